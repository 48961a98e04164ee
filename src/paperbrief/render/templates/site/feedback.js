/* Feedback buttons (issue 12, docs/feedback.md). Served by `paperbrief serve` (a CSRF token in a
   <meta>), a choice is POSTed to /api/feedback; opened from disk, choices stay in localStorage and
   an "export" button downloads them as a CSV for `paperbrief feedback import`. */
(function () {
  "use strict";
  var boxes = document.querySelectorAll(".fb[data-id]");
  if (!boxes.length) { return; }
  var tokenMeta = document.querySelector('meta[name="paperbrief-csrf"]');
  var readerMeta = document.querySelector('meta[name="paperbrief-reader"]');
  var token = tokenMeta ? tokenMeta.getAttribute("content") : "";
  var reader = readerMeta ? readerMeta.getAttribute("content") : "";
  var served = !!token;
  var KEY = "paperbrief-feedback";
  var state = {};
  var style = document.createElement("style");
  style.textContent = ".fb{display:flex;gap:.4em;margin:.4em 0 0}.fb-btn{cursor:pointer;border:1px solid #8884;" +
    "background:none;border-radius:1em;padding:.1em .6em;font:inherit}.fb-btn[aria-pressed=true]{background:#4a90e233;" +
    "border-color:#4a90e2}.fb-error .fb-btn{border-color:#d33}.fb-bar{margin:.6em 0;font-size:.9em}" +
    ".fb-why{font-size:.9em;margin:.3em 0 0}.fb-explore{border:1px solid #b8860b;border-radius:.6em;padding:0 .4em}";
  document.head.appendChild(style);

  function load() {
    try { return JSON.parse(window.localStorage.getItem(KEY) || "{}") || {}; } catch (e) { return {}; }
  }
  function show() {
    boxes.forEach(function (box) {
      var chosen = state[box.getAttribute("data-id")];
      box.querySelectorAll(".fb-btn").forEach(function (b) {
        b.setAttribute("aria-pressed", b.getAttribute("data-action") === chosen ? "true" : "false");
      });
    });
  }
  function csv() {
    var lines = ["arxiv_id,label"];
    Object.keys(state).sort().forEach(function (id) { lines.push(id + "," + state[id]); });
    return lines.join("\n") + "\n";
  }
  function exportBar() {
    var bar = document.createElement("p");
    bar.className = "fb-bar";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "fb-export";
    var zh = (document.documentElement.getAttribute("lang") || "").indexOf("zh") === 0;
    button.textContent = zh ? "⬇ 导出反馈（CSV，用于 paperbrief feedback import）"
      : "⬇ export feedback (CSV for paperbrief feedback import)";
    button.addEventListener("click", function () {
      var a = document.createElement("a");
      a.href = URL.createObjectURL(new Blob([csv()], { type: "text/csv" }));
      a.download = "paperbrief-feedback.csv";
      document.body.appendChild(a);
      a.click();
      a.remove();
    });
    bar.appendChild(button);
    var main = document.querySelector("main") || document.body;
    main.insertBefore(bar, main.firstChild);
  }
  function choose(box, action) {
    var id = box.getAttribute("data-id");
    if (!served) {
      state[id] = action;
      try { window.localStorage.setItem(KEY, JSON.stringify(state)); } catch (e) { box.classList.add("fb-error"); }
      show();
      return;
    }
    fetch("/api/feedback", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-Paperbrief-CSRF": token },
      body: JSON.stringify({ arxiv_id: id, action: action, reader: reader })
    }).then(function (r) {
      if (!r.ok) { throw new Error(String(r.status)); }
      box.classList.remove("fb-error");
      state[id] = action;
      show();
    }).catch(function () { box.classList.add("fb-error"); });
  }
  boxes.forEach(function (box) {
    box.querySelectorAll(".fb-btn").forEach(function (b) {
      b.addEventListener("click", function () { choose(box, b.getAttribute("data-action")); });
    });
  });
  if (served) {
    fetch("/api/feedback?reader=" + encodeURIComponent(reader), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : {}; })
      .then(function (s) { state = s || {}; show(); })
      .catch(function () { /* buttons still work; states show after the next click */ });
  } else {
    state = load();
    exportBar();
    show();
  }
})();
