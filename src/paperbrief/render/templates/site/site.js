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
    for (var i = 0; i < cards.length; i++) {
      var visible = matches(cards[i], terms, category, min);
      cards[i].hidden = !visible;
      if (visible) { shown++; }
    }
    count.textContent = showing.replace("{shown}", String(shown)).replace("{total}", String(cards.length));
    nothing.hidden = shown !== 0;
  }
  function reveal() {
    var id = window.location.hash ? decodeURIComponent(window.location.hash.slice(1)) : "";
    if (!id) { return; }
    var card = document.getElementById(id);
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
  cat.addEventListener("change", apply);
  minScore.addEventListener("input", apply);
  sort.addEventListener("change", function () { order(); apply(); });
  document.getElementById("reset-filters").addEventListener("click", function () {
    HTMLFormElement.prototype.reset.call(form);
    order();
    apply();
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
