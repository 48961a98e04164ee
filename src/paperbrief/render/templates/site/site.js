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
