/* smip app.js — optional enhancement of the long forms; every page works without it.
   1. Autosave: every 20 s, when the form changed, PUT /api/v1/applications/{id} with the JSON
      built from the form's named fields (names are API field paths: "kpis.efficiency.before").
   2. Live pre-check: the 预检 button (and a pause after a change) saves, then POSTs
      /api/v1/applications/{id}/check and redraws the findings panel in place.
   3. Nothing typed is lost: the application form keeps a copy of unsaved input in this browser's
      localStorage (per account and application) and offers it back when the page is opened again
      after a closed tab or an expired session; the 能力测评 questionnaire saves every answer as it is
      chosen (PUT /api/v1/assessments/draft) and queues answers the server did not take (session
      expired, network down) to send them once the questionnaire is opened again.
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

/* ---- Nothing lost: local copies of unsaved input ------------------------------------------ */
(function () {
  "use strict";

  var who = document.querySelector('meta[name="smip-user"]');
  var user = who ? who.getAttribute("content") : "";
  var store = null;
  try { store = window.localStorage; } catch (e) { store = null; }
  if (!user || !store || !window.JSON || !window.fetch) return;
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute("content") : "";

  function load(key) {
    try { return JSON.parse(store.getItem(key) || "null"); } catch (e) { return null; }
  }
  function keep(key, value) {
    try { store.setItem(key, JSON.stringify(value)); } catch (e) { /* full or private mode */ }
  }
  function drop(key) {
    try { store.removeItem(key); } catch (e) { /* ignore */ }
  }
  function notice(where, text, actionText, action) {
    var p = document.createElement("p");
    p.className = "flash flash-ok keeper-notice";
    p.setAttribute("role", "status");
    p.appendChild(document.createTextNode(text));
    if (actionText) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "secondary";
      b.textContent = actionText;
      b.addEventListener("click", function () { action(); p.parentNode.removeChild(p); });
      p.appendChild(document.createTextNode(" "));
      p.appendChild(b);
    }
    /* Above the form's layout grid, not inside it, so the form keeps its columns. */
    var at = (where.closest && where.closest(".form-layout")) || where;
    at.parentNode.insertBefore(p, at);
    return p;
  }
  function stamp(t) {
    var d = new Date(t);
    function pad(n) { return (n < 10 ? "0" : "") + n; }
    return (d.getMonth() + 1) + "月" + d.getDate() + "日 " + pad(d.getHours()) + ":" + pad(d.getMinutes());
  }

  /* The values of a form's named fields, as a map name → [values] (radios and checkboxes give
     their checked values), so that restoring is the reverse and works for any field. */
  function snapshot(form) {
    var out = {};
    for (var i = 0; i < form.elements.length; i++) {
      var el = form.elements[i];
      if (!el.name || el.disabled || el.type === "hidden" || el.type === "file" ||
          el.type === "submit" || el.type === "button") continue;
      out[el.name] = out[el.name] || [];
      if (el.type === "radio" || el.type === "checkbox") {
        if (el.checked) out[el.name].push(el.value);
      } else {
        out[el.name].push(el.value);
      }
    }
    return out;
  }
  function restore(form, snap) {
    var seen = {};
    for (var i = 0; i < form.elements.length; i++) {
      var el = form.elements[i];
      if (!el.name || !Object.prototype.hasOwnProperty.call(snap, el.name)) continue;
      var vals = snap[el.name];
      if (el.type === "radio" || el.type === "checkbox") {
        el.checked = vals.indexOf(el.value) >= 0;
      } else if (el.type !== "hidden" && el.type !== "file") {
        var k = seen[el.name] || 0;
        if (k < vals.length) el.value = vals[k];
        seen[el.name] = k + 1;
      }
    }
    form.dispatchEvent(new Event("change", { bubbles: true }));
  }

  /* The application form: a copy of what differs from the page as the server rendered it. The
     copy remembers that page (`base`): offered back silently when the server still has the same
     data (the save never arrived), and with a choice when the draft changed meanwhile. */
  var app = document.getElementById("application-form");
  if (app) {
    var appKey = "smip:" + user + ":" + (app.getAttribute("data-autosave-url") || app.action);
    var base = JSON.stringify(snapshot(app));
    var kept = load(appKey);
    var record = function () {
      var now = JSON.stringify(snapshot(app));
      if (now === base) drop(appKey);
      else keep(appKey, { base: base, edits: now, at: Date.now() });
    };
    if (kept && kept.edits && kept.edits !== base) {
      if (kept.base === base) {
        restore(app, JSON.parse(kept.edits));
        notice(app, "已恢复您在 " + stamp(kept.at) + " 填写但尚未保存的内容，请检查后保存草稿。");
      } else {
        notice(app, "本机保存有您在 " + stamp(kept.at) + " 填写但未保存的内容，而草稿此后已在别处更新。",
               "用本机内容覆盖表单", function () { restore(app, JSON.parse(kept.edits)); record(); });
      }
    } else if (kept) {
      drop(appKey);
    }
    app.addEventListener("input", record);
    app.addEventListener("change", record);
    /* A successful autosave (app.js part 1) makes the server's copy the base again. */
    var status = document.getElementById("autosave-status");
    if (status && window.MutationObserver) {
      new MutationObserver(function () {
        if (/^已自动保存/.test(status.textContent)) { base = JSON.stringify(snapshot(app)); drop(appKey); }
      }).observe(status, { childList: true, characterData: true, subtree: true });
    }
  }

  /* The questionnaire: every choice goes to the draft at once; what the server did not take
     waits in the browser and is sent when the questionnaire is opened again. */
  var asm = document.querySelector('form[action="/assessments/questionnaire"]');
  if (asm) {
    var asmKey = "smip:" + user + ":assessment-pending";
    var answered = document.getElementById("asm-answered");
    var line = document.createElement("p");
    line.className = "muted";
    line.setAttribute("role", "status");
    line.id = "asm-autosave";
    asm.parentNode.insertBefore(line, asm);

    var send = function (answers) {
      return fetch("/api/v1/assessments/draft", {
        method: "PUT",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, Accept: "application/json" },
        body: JSON.stringify({ answers: answers })
      }).then(function (res) {
        return res.json().catch(function () { return {}; }).then(function (data) {
          if (!res.ok) { var err = new Error("HTTP " + res.status); err.status = res.status; throw err; }
          return data;
        });
      });
    };
    var flush = function () {
      var pending = load(asmKey);
      if (!pending || !pending.answers) return Promise.resolve(null);
      return send(pending.answers).then(function (draft) {
        var still = load(asmKey);
        /* Answers chosen while the request was on its way stay queued. */
        if (still && still.answers) {
          for (var id in pending.answers)
            if (still.answers[id] === pending.answers[id]) delete still.answers[id];
          if (Object.keys(still.answers).length) keep(asmKey, still); else drop(asmKey);
        }
        if (answered && draft && typeof draft.answered === "number") answered.textContent = String(draft.answered);
        var d = new Date();
        line.textContent = "作答已自动保存（" + d.getHours() + ":" + (d.getMinutes() < 10 ? "0" : "") + d.getMinutes() + "）";
        return draft;
      }, function (err) {
        line.textContent = err.status === 401
          ? "登录已过期：作答已保存在本机浏览器，重新登录后打开问卷会自动提交。"
          : "暂时无法保存到服务器：作答已保存在本机浏览器，稍后会自动重试。";
        return null;
      });
    };

    var pendingAtLoad = load(asmKey);
    if (pendingAtLoad && pendingAtLoad.answers) {
      /* Show the queued choices on this section at once, then send them. */
      for (var i = 0; i < asm.elements.length; i++) {
        var el = asm.elements[i];
        if (el.type === "radio" && Object.prototype.hasOwnProperty.call(pendingAtLoad.answers, el.name))
          el.checked = el.value === pendingAtLoad.answers[el.name];
      }
      flush().then(function (draft) {
        if (draft) notice(asm, "已提交您上次在本机保存但未送达服务器的作答。");
      });
    }
    asm.addEventListener("change", function (ev) {
      var el = ev.target;
      if (!el || el.type !== "radio" || !el.checked) return;
      var pending = load(asmKey) || { answers: {} };
      pending.answers[el.name] = el.value;
      keep(asmKey, pending);
      flush();
    });
  }
})();

/* The expert's score form: the total, added up as the scores are typed (the server adds them up
   again and shows the same total when a post comes back refused). Only whole numbers within a
   criterion's maximum count, as the server counts them. */
(function () {
  "use strict";
  var form = document.querySelector("[data-score-form]");
  var out = document.getElementById("score-total");
  if (!form || !out) return;
  var inputs = form.querySelectorAll('input[type="number"]');
  function total() {
    var t = 0;
    for (var i = 0; i < inputs.length; i++) {
      var v = inputs[i].value, max = parseInt(inputs[i].max, 10);
      if (/^\d+$/.test(v) && parseInt(v, 10) <= max) t += parseInt(v, 10);
    }
    out.textContent = String(t);
  }
  form.addEventListener("input", total);
})();
