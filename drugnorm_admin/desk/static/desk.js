// Suggestions as the pharmacist types a standard: drug_lookup (hanzi, pinyin or initials) fills the field's
// datalist; picking one sets the dictionary too. No other script runs on the desk's pages.
(function () {
  "use strict";
  function attach(input) {
    var list = document.getElementById(input.getAttribute("list"));
    var form = input.form, select = form.querySelector("select[name=dict]");
    var timer = null, seen = {};
    input.addEventListener("input", function () {
      var q = input.value.trim();
      if (seen[q]) {
        if (select && seen[q].dict) select.value = seen[q].dict;
        return;
      }
      clearTimeout(timer);
      if (!q) return;
      timer = setTimeout(function () {
        fetch("api/lookup?q=" + encodeURIComponent(q), {credentials: "same-origin"})
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(function (rows) {
            list.textContent = "";
            var shown = {};
            rows.forEach(function (r) {
              if (shown[r.standard + "\u0000" + r.attribute]) return;
              shown[r.standard + "\u0000" + r.attribute] = true;
              var o = document.createElement("option");
              o.value = r.standard;
              o.label = r.attribute + (r.term !== r.standard ? " ← " + r.term : "");
              list.appendChild(o);
              seen[r.standard] = {dict: r.attribute};
            });
          })
          .catch(function () {});
      }, 180);
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input.suggest").forEach(attach);
  });
})();
