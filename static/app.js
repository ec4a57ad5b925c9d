/* smip app.js — optional enhancement of the application form; every page works without it.
   1. Autosave: every 20 s, when the form changed, PUT /api/v1/applications/{id} with the JSON
      built from the form's named fields (names are API field paths: "kpis.efficiency.before").
   2. Live pre-check: the 预检 button (and a pause after a change) saves, then POSTs
      /api/v1/applications/{id}/check and redraws the findings panel in place.
   The CSRF token comes from <meta name="csrf-token">. Data is only ever put in the page with
   textContent, never as markup. If anything fails, the ordinary form post still works. */
(function () {
  "use strict";

  var form = document.getElementById("application-form");
  if (!form || !window.fetch || !window.JSON) return;

  var saveUrl = form.getAttribute("data-autosave-url");
  var checkUrl = form.getAttribute("data-check-url");
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute("content") : "";
  var statusEl = document.getElementById("autosave-status");
  var MULTI = { technologies: true, attachment_ids: true };
  var INTEGER = /^-?\d+$/;

  function setStatus(text) {
    if (statusEl) statusEl.textContent = text;
  }

  function setPath(obj, path, value) {
    var keys = path.split(".");
    for (var i = 0; i < keys.length - 1; i++) {
      if (typeof obj[keys[i]] !== "object" || obj[keys[i]] === null) obj[keys[i]] = {};
      obj = obj[keys[i]];
    }
    obj[keys[keys.length - 1]] = value;
  }

  /* The JSON merge patch the form stands for. Hidden inputs are only the no-JS sentinels
     ("false" before a checkbox, "" before a list) and the CSRF token, so they are skipped. */
  function formToJson() {
    var out = {};
    var lists = {};
    for (var i = 0; i < form.elements.length; i++) {
      var el = form.elements[i];
      var name = el.name;
      if (!name || el.disabled || name === "csrf_token" || name === "action") continue;
      if (el.type === "hidden" || el.type === "file" || el.type === "submit") continue;
      if (MULTI[name]) {
        lists[name] = lists[name] || [];
        if (el.checked) lists[name].push(name === "attachment_ids" ? Number(el.value) : el.value);
        continue;
      }
      if (el.type === "checkbox") {
        setPath(out, name, el.checked);
      } else if (el.type === "radio") {
        if (!el.checked) continue;
        setPath(out, name, el.value === "true" ? true : el.value === "false" ? false : el.value);
      } else {
        var v = el.value.trim();
        if (v === "") setPath(out, name, null);
        else if (el.type === "number" && INTEGER.test(v)) setPath(out, name, parseInt(v, 10));
        else setPath(out, name, v);
      }
    }
    for (var k in lists) if (Object.prototype.hasOwnProperty.call(lists, k)) out[k] = lists[k];
    return out;
  }

  function request(method, url, body) {
    return fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, Accept: "application/json" },
      body: body
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (data) {
        if (!res.ok) {
          var err = new Error((data && data.error && data.error.message) || "HTTP " + res.status);
          err.status = res.status;
          err.data = data;
          throw err;
        }
        return data;
      });
    });
  }

  /* ---- Autosave -------------------------------------------------------------------------- */

  var lastSaved = JSON.stringify(formToJson());
  var stopped = false;

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function save() {
    if (stopped) return Promise.resolve();
    var body = JSON.stringify(formToJson());
    if (body === lastSaved) return Promise.resolve();
    setStatus("正在自动保存…");
    return request("PUT", saveUrl, body).then(function () {
      lastSaved = body;
      var d = new Date();
      setStatus("已自动保存草稿（" + pad(d.getHours()) + ":" + pad(d.getMinutes()) + "）");
    }, function (err) {
      if (err.status === 409 || err.status === 401 || err.status === 403) stopped = true;
      var fields = err.data && err.data.error && err.data.error.fields;
      var detail = "";
      if (fields) {
        var parts = [];
        for (var f in fields) if (Object.prototype.hasOwnProperty.call(fields, f)) parts.push(fields[f]);
        detail = "：" + parts.join("；");
      }
      setStatus("自动保存未成功（" + err.message + "）" + detail + "。请点击“保存草稿”查看。");
      throw err;
    });
  }

  if (saveUrl) {
    window.setInterval(function () { save().catch(function () {}); }, 20000);
  }

  /* ---- Live pre-check -------------------------------------------------------------------- */

  function findingClass(f) {
    if (f.ok) return "finding finding-ok";
    return f.severity === "warning" ? "finding finding-warning" : "finding finding-fail";
  }

  function span(cls, text) {
    var s = document.createElement("span");
    s.className = cls;
    s.textContent = text;
    return s;
  }

  function drawFindings(result) {
    var list = document.getElementById("findings-list");
    var summary = document.getElementById("findings-summary");
    if (!list) return;
    while (list.firstChild) list.removeChild(list.firstChild);
    var findings = (result && result.findings) || [];
    for (var i = 0; i < findings.length; i++) {
      var f = findings[i];
      var li = document.createElement("li");
      li.className = findingClass(f);
      li.appendChild(span("rule-id", f.rule || ""));
      li.appendChild(document.createTextNode(" "));
      li.appendChild(span("verdict", f.ok ? "满足" : f.severity === "warning" ? "提示" : "不满足"));
      li.appendChild(document.createTextNode(" "));
      li.appendChild(span("message", f.message || ""));
      li.appendChild(span("figures", "要求：" + (f.required || "") + (f.actual ? "；实际：" + f.actual : "")));
      list.appendChild(li);
    }
    if (summary) {
      summary.textContent = result && result.ok
        ? "申报条件已全部满足，可以提交。"
        : "尚有条件不满足（红色），修改后再预检。";
    }
  }

  var checking = false;
  function liveCheck() {
    if (!checkUrl || checking) return Promise.resolve();
    checking = true;
    var panel = document.getElementById("findings");
    if (panel) panel.setAttribute("aria-busy", "true");
    return save().then(function () {
      return request("POST", checkUrl, "{}");
    }).then(drawFindings).then(function () {
      checking = false;
      if (panel) panel.removeAttribute("aria-busy");
    }, function (err) {
      checking = false;
      if (panel) panel.removeAttribute("aria-busy");
      throw err;
    });
  }

  var bypass = false;
  form.addEventListener("click", function (ev) {
    var btn = ev.target && ev.target.closest ? ev.target.closest('button[name="action"]') : null;
    if (!btn || btn.value !== "check" || bypass) return;
    ev.preventDefault();
    liveCheck().catch(function () {
      /* Fall back to the ordinary post, which shows the same findings server-rendered. */
      bypass = true;
      btn.click();
    });
  });

  /* A pause after a real change re-runs the check, so the panel follows the form. */
  var timer = null;
  form.addEventListener("change", function (ev) {
    if (ev.target && ev.target.type === "file") return;
    if (timer) window.clearTimeout(timer);
    timer = window.setTimeout(function () { liveCheck().catch(function () {}); }, 1500);
  });
})();
