(function () {
  "use strict";
  var root = document.documentElement;
  var THEME_KEY = "paperbrief-theme";
  function storedTheme() {
    try { return window.localStorage.getItem(THEME_KEY); } catch (e) { return null; }
  }
  function saveTheme(value) {
    try { window.localStorage.setItem(THEME_KEY, value); } catch (e) { /* file:// or private mode */ }
  }
  var theme = storedTheme();
  if (theme === "light" || theme === "dark") { root.setAttribute("data-theme", theme); }
  var toggle = document.getElementById("theme-toggle");
  if (toggle) {
    toggle.addEventListener("click", function () {
      var current = root.getAttribute("data-theme");
      if (!current) {
        current = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
      }
      var next = current === "dark" ? "light" : "dark";
      root.setAttribute("data-theme", next);
      saveTheme(next);
    });
  }

  // The index page's search over all days: search.json (written by the site build) is fetched on
  // the first keystroke; every term must appear in a paper's title, id, authors, keywords, TL;DR
  // or categories. Results are built with textContent only, never as markup.
  var allQ = document.getElementById("all-q");
  if (allQ) { allDaysSearch(allQ); }
  function allDaysSearch(input) {
    var form = document.getElementById("all-search");
    var list = document.getElementById("all-results");
    var status = document.getElementById("all-status");
    var LIMIT = 50;
    var loading = null;
    function load() {
      if (!loading) {
        loading = fetch(form.getAttribute("data-index")).then(function (response) {
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.json();
        }).then(function (rows) {
          for (var i = 0; i < rows.length; i++) {
            var r = rows[i];
            r.hay = [r.title, r.id, (r.authors || []).join(" "), (r.keywords || []).join(" "), r.tldr || "",
              (r.categories || []).join(" ")].join(" ").toLowerCase();
            r.low = (r.title || "").toLowerCase();
          }
          return rows;
        });
        loading.catch(function () { loading = null; });
      }
      return loading;
    }
    function say(text) { status.textContent = text; status.hidden = !text; }
    function item(r) {
      var li = document.createElement("li");
      li.className = "day";
      var line = document.createElement("div");
      line.className = "day-line";
      var day = document.createElement("a");
      day.className = "day-link";
      day.href = r.page;
      day.textContent = r.date;
      line.appendChild(day);
      for (var c = 0; c < (r.categories || []).length; c++) {
        var cat = document.createElement("span");
        cat.className = "cat";
        cat.textContent = r.categories[c];
        line.appendChild(document.createTextNode(" "));
        line.appendChild(cat);
      }
      var top = document.createElement("p");
      top.className = "day-top";
      var link = document.createElement("a");
      link.href = r.page + "#" + encodeURIComponent(r.id);
      link.textContent = r.title;
      top.appendChild(link);
      if (r.tldr) {
        var tldr = document.createElement("span");
        tldr.className = "muted";
        tldr.textContent = r.tldr;
        top.appendChild(document.createElement("br"));
        top.appendChild(tldr);
      }
      li.appendChild(line);
      li.appendChild(top);
      return li;
    }
    function show(rows, terms) {
      var found = [];
      for (var i = 0; i < rows.length; i++) {
        var ok = true, inTitle = 0;
        for (var t = 0; t < terms.length; t++) {
          if (rows[i].hay.indexOf(terms[t]) === -1) { ok = false; break; }
          if (rows[i].low.indexOf(terms[t]) !== -1) { inTitle++; }
        }
        if (ok) { found.push({ row: rows[i], title: inTitle, at: i }); }
      }
      // Papers matching in their title first; then newest day first (the file's order).
      found.sort(function (a, b) { return b.title - a.title || a.at - b.at; });
      while (list.firstChild) { list.removeChild(list.firstChild); }
      var shown = Math.min(found.length, LIMIT);
      for (var k = 0; k < shown; k++) { list.appendChild(item(found[k].row)); }
      list.hidden = shown === 0;
      var text = found.length === 0 ? form.getAttribute("data-none")
        : form.getAttribute("data-count").replace("{n}", String(found.length));
      if (found.length > shown) { text += form.getAttribute("data-more").replace("{shown}", String(shown)); }
      say(text);
    }
    function run() {
      var terms = input.value.toLowerCase().split(/\s+/).filter(function (t) { return t.length > 0; });
      if (terms.length === 0) { list.hidden = true; say(""); return; }
      load().then(function (rows) {
        if (input.value.toLowerCase().split(/\s+/).filter(function (t) { return t.length > 0; }).join(" ") === terms.join(" ")) {
          show(rows, terms);
        }
      }, function () { list.hidden = true; say(form.getAttribute("data-offline")); });
    }
    form.addEventListener("submit", function (event) { event.preventDefault(); run(); });
    input.addEventListener("input", run);
  }

  var container = document.getElementById("cards");
  var form = document.getElementById("controls");
  if (!container || !form) { return; }
  var cards = Array.prototype.slice.call(container.querySelectorAll("article.card"));
  // Category headings (id = the Markdown TOC's GitHub anchor, e.g. "cslg") and the page's own order.
  var heads = Array.prototype.slice.call(container.querySelectorAll(".cat-head"));
  var layout = Array.prototype.slice.call(container.children);
  var headByCat = {};
  for (var h = 0; h < heads.length; h++) { headByCat[heads[h].getAttribute("data-cat")] = heads[h]; }
  var q = document.getElementById("q");
  var cat = document.getElementById("cat");
  var minScore = document.getElementById("min-score");
  var minOut = document.getElementById("min-score-out");
  var sort = document.getElementById("sort");
  var count = document.getElementById("count");
  var nothing = document.getElementById("nothing");
  var showing = form.getAttribute("data-showing") || "{shown} / {total}";

  function scoreOf(card) {
    var raw = card.getAttribute("data-score");
    return raw === "" || raw === null ? -1 : parseInt(raw, 10);
  }
  function matches(card, terms, category, min) {
    if (category && card.getAttribute("data-cat") !== category) { return false; }
    if (min > 0 && scoreOf(card) < min) { return false; }
    var text = card.getAttribute("data-search") || "";
    for (var i = 0; i < terms.length; i++) {
      if (text.indexOf(terms[i]) === -1) { return false; }
    }
    return true;
  }
  function order() {
    var mode = sort.value;
    if (mode === "report") {
      // Report order: each category heading followed by its cards, as rendered.
      for (var k = 0; k < layout.length; k++) { container.appendChild(layout[k]); }
      return;
    }
    var sorted = cards.slice();
    sorted.sort(function (a, b) {
      var oa = parseInt(a.getAttribute("data-order"), 10), ob = parseInt(b.getAttribute("data-order"), 10);
      if (mode === "score") {
        var d = scoreOf(b) - scoreOf(a);
        return d !== 0 ? d : oa - ob;
      }
      if (mode === "id") {
        var ia = a.getAttribute("data-id"), ib = b.getAttribute("data-id");
        return ia < ib ? 1 : ia > ib ? -1 : oa - ob;
      }
      return oa - ob;
    });
    for (var i = 0; i < sorted.length; i++) { container.appendChild(sorted[i]); }
  }
  function apply() {
    var terms = q.value.toLowerCase().split(/\s+/).filter(function (t) { return t.length > 0; });
    var category = cat.value;
    var min = parseInt(minScore.value, 10) || 0;
    minOut.textContent = String(min);
    var shown = 0;
    var shownByCat = {};
    for (var i = 0; i < cards.length; i++) {
      var visible = matches(cards[i], terms, category, min);
      cards[i].hidden = !visible;
      if (visible) {
        shown++;
        shownByCat[cards[i].getAttribute("data-cat")] = true;
      }
    }
    // A heading stays while its category has a visible card and the cards are grouped (report order).
    for (var j = 0; j < heads.length; j++) {
      heads[j].hidden = sort.value !== "report" || !shownByCat[heads[j].getAttribute("data-cat")];
    }
    count.textContent = showing.replace("{shown}", String(shown)).replace("{total}", String(cards.length));
    nothing.hidden = shown !== 0;
  }
  function currentHash() {
    if (!window.location.hash) { return ""; }
    try { return decodeURIComponent(window.location.hash.slice(1)); } catch (e) { return ""; }
  }
  function showCategory(head) {
    // "#cslg" (a Markdown TOC link) selects that category and scrolls to its heading.
    cat.value = head.getAttribute("data-cat");
    if (sort.value !== "report") { sort.value = "report"; order(); }
    apply();
    (head.hidden ? form : head).scrollIntoView({ block: "start" });
  }
  function syncHash() {
    // Keep the address in step with the category filter when it came from a category link.
    var id = currentHash();
    var current = id ? document.getElementById(id) : null;
    if (id && !(current && current.classList.contains("cat-head"))) { return; }
    var head = headByCat[cat.value];
    var url = window.location.pathname + window.location.search + (head ? "#" + head.id : "");
    try { window.history.replaceState(null, "", url); } catch (e) { /* some file:// setups refuse */ }
  }
  function reveal() {
    var id = currentHash();
    if (!id) { return; }
    var card = document.getElementById(id);
    if (card && card.classList.contains("cat-head")) { showCategory(card); return; }
    if (!card || !card.classList.contains("card")) { return; }
    if (card.hidden) {
      // A deep link always shows its paper, whatever the filters say.
      HTMLFormElement.prototype.reset.call(form);
      apply();
    }
    card.scrollIntoView({ block: "start" });
  }

  form.addEventListener("submit", function (event) { event.preventDefault(); });
  q.addEventListener("input", apply);
  cat.addEventListener("change", function () { apply(); syncHash(); });
  minScore.addEventListener("input", apply);
  sort.addEventListener("change", function () { order(); apply(); });
  document.getElementById("reset-filters").addEventListener("click", function () {
    HTMLFormElement.prototype.reset.call(form);
    order();
    apply();
    syncHash();
  });
  container.addEventListener("click", function (event) {
    var target = event.target;
    if (target && target.classList && target.classList.contains("chip")) {
      q.value = target.getAttribute("data-kw") || "";
      apply();
      q.focus();
    }
  });
  window.addEventListener("hashchange", reveal);
  order();
  apply();
  reveal();
})();
