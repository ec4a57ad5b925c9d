// batch_rules.js — the commission's batch rules page: the score form's total follows the maxima
// as they are typed. The page works without it: the total is computed again on every post, and
// the server refuses a form whose maxima do not add up to 100.
"use strict";
(function () {
  const out = document.getElementById("score-total-value");
  if (!out) return;
  const fields = () => Array.from(document.querySelectorAll('input[name^="score."][name$=".max"]'));
  function update() {
    let sum = 0;
    for (const f of fields()) {
      const row = f.name.replace(/\.max$/, "");
      const removed = document.querySelector(`input[name="${row}.remove"]`);
      if (removed && removed.checked) continue;
      if (/^\d+$/.test(f.value.trim())) sum += Number(f.value.trim());
    }
    out.textContent = String(sum);
  }
  document.addEventListener("input", (e) => {
    if (e.target.name && e.target.name.startsWith("score.")) update();
  });
  document.addEventListener("change", (e) => {
    if (e.target.name && e.target.name.startsWith("score.")) update();
  });
})();
