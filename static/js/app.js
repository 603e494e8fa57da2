// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // A wizard step shown again with errors: its summary takes focus, so a screen reader
  // says what to fix and Tab goes to the first link.
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
  // A wizard step with typed but unsent input asks before the page is left or reloaded
  // (the draft keeps only what a step's buttons send). Sending any form is leaving on
  // purpose.
  var wizard = document.querySelector("form.wizard");
  if (wizard) {
    var unsent = false;
    var touched = function () { unsent = true; };
    wizard.addEventListener("input", touched);
    wizard.addEventListener("change", touched);
    document.addEventListener("submit", function () { unsent = false; });
    window.addEventListener("beforeunload", function (e) {
      if (!unsent) return;
      e.preventDefault();
      e.returnValue = "";
    });
  }
  // A menu (<details class="menu">) closes on a click elsewhere and on Escape, so an
  // open menu never stays over the controls below it.
  document.querySelectorAll("details.menu").forEach(function (menu) {
    document.addEventListener("click", function (e) {
      if (menu.open && !menu.contains(e.target)) menu.open = false;
    });
    menu.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && menu.open) { menu.open = false; menu.querySelector("summary").focus(); }
    });
  });
  // Filters that apply themselves: a choice in a list, or a pause in typing a search
  // (of at least two characters, or none). The Filter button stays for keyboards and
  // for pages without this script. After the reload the search box has focus again.
  document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
    var box = form.querySelector("input[type=search]");
    var send = function (fromBox) {
      try { sessionStorage.setItem("refocus-search", fromBox ? "1" : ""); } catch (e) { /* private mode */ }
      form.requestSubmit ? form.requestSubmit() : form.submit();
    };
    form.querySelectorAll("select").forEach(function (s) {
      s.addEventListener("change", function () { send(false); });
    });
    if (!box) return;
    var sent = box.value.trim();
    var timer = null;
    box.addEventListener("input", function () {
      clearTimeout(timer);
      var now = box.value.trim();
      if (now === sent || (now.length > 0 && now.length < 2)) return;
      timer = setTimeout(function () { send(true); }, 500);
    });
    var refocus = false;
    try { refocus = sessionStorage.getItem("refocus-search") === "1"; sessionStorage.removeItem("refocus-search"); } catch (e) { /* private mode */ }
    if (refocus) { box.focus(); box.setSelectionRange(box.value.length, box.value.length); }
  });
  // Bulk selection: a box that selects the whole page, and the count selected.
  var bulk = document.getElementById("bulk");
  if (bulk) {
    var all = document.getElementById("pick-all");
    var boxes = Array.prototype.slice.call(document.querySelectorAll('input[type=checkbox][name=ids][form=bulk]'));
    var shown = bulk.querySelector("[data-testid=selected-count]");
    var update = function () {
      var n = boxes.filter(function (b) { return b.checked; }).length;
      if (shown) shown.textContent = n === 0 ? "" : n === 1 ? "1 selected" : n + " selected";
      if (all) { all.checked = n > 0 && n === boxes.length; all.indeterminate = n > 0 && n < boxes.length; }
    };
    boxes.forEach(function (b) { b.addEventListener("change", update); });
    if (all) {
      all.hidden = false;
      all.addEventListener("change", function () {
        boxes.forEach(function (b) { b.checked = all.checked; });
        update();
      });
    }
    update();
  }
  // Unticking a package the customer holds removes it: ask here, and send the answer as
  // the confirmation the server asks for (without this script, the page asks in a second
  // step).
  var edit = document.getElementById("customer-edit");
  if (edit) {
    edit.addEventListener("submit", function (e) {
      var confirmed = {};
      edit.querySelectorAll("input[name=confirm_remove]:checked").forEach(function (c) {
        confirmed[c.value] = true;
      });
      var dropped = [];
      edit.querySelectorAll("input[name=package][data-held]").forEach(function (p) {
        if (!p.checked && !confirmed[p.value]) dropped.push(p);
      });
      if (!dropped.length) return;
      var names = dropped.map(function (p) { return p.getAttribute("data-held"); }).join(", ");
      if (!window.confirm("Remove " + names + " from this customer? The customer loses these packages.")) {
        e.preventDefault();
        e.stopImmediatePropagation();
        return;
      }
      dropped.forEach(function (p) {
        var yes = document.createElement("input");
        yes.type = "hidden";
        yes.name = "confirm_remove";
        yes.value = p.value;
        edit.appendChild(yes);
      });
    });
  }
  // Show <time datetime="..."> values in the viewer's own locale and time zone.
  document.querySelectorAll("time[datetime]").forEach(function (el) {
    var d = new Date(el.getAttribute("datetime"));
    if (isNaN(d)) return;
    var dateOnly = el.textContent.trim().length <= 10;
    el.title = el.textContent.trim();
    el.textContent = dateOnly
      ? d.toLocaleDateString()
      : d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
  });
  // Copy buttons (hidden until this script can make them work).
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var input = document.getElementById(button.getAttribute("data-copy"));
    if (!input || !navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(input.value).then(function () {
        button.textContent = "Copied";
        setTimeout(function () { button.textContent = "Copy"; }, 1500);
      });
    });
  });
  // Background work: poll the JSON status URL and show progress; reload when done.
  document.querySelectorAll("[data-status-url][data-poll]").forEach(function (panel) {
    var url = panel.getAttribute("data-status-url");
    var bar = panel.querySelector("progress");
    var failures = 0;
    // The page follows the work itself now: its note says so instead of "Refresh".
    panel.querySelectorAll("[data-live-note]").forEach(function (note) {
      note.textContent = note.getAttribute("data-live-note");
    });
    function giveUp() {
      var note = document.createElement("p");
      note.className = "field-error";
      note.textContent = "Progress can no longer be followed here (you may have been signed out). Refresh the page.";
      panel.appendChild(note);
    }
    function tick() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (s) {
          if (!s) return ++failures >= 5 ? giveUp() : setTimeout(tick, 3000);
          failures = 0;
          if (bar && s.packagesTotal) { bar.max = s.packagesTotal; bar.value = s.packagesDone; }
          // Done: the page again, with the result and the buttons the work held back.
          if (s.inProgress) setTimeout(tick, 1000); else window.location.reload();
        })
        .catch(function () { if (++failures >= 5) giveUp(); else setTimeout(tick, 3000); });
    }
    setTimeout(tick, 800);
  });
  // Branding settings: the preview follows the colours as they are typed (the page
  // shows the saved ones without this). Only well-formed colours are applied, as
  // custom properties through the CSSOM, never as markup.
  var branding = document.querySelector("form[data-branding-form]");
  if (branding) {
    var textOn = function (hex) {
      var c = [1, 3, 5].map(function (i) {
        var v = parseInt(hex.substr(i, 2), 16) / 255;
        return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
      });
      var l = 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
      var dark = 0.0056;
      return (1.05 / (l + 0.05)) >= ((l + 0.05) / (dark + 0.05)) ? "#ffffff" : "#111418";
    };
    branding.addEventListener("input", function (e) {
      var field = e.target.getAttribute("data-preview");
      if (!field || !/^#[0-9a-fA-F]{6}$/.test(e.target.value)) return;
      var parts = field.split("_");
      var preview = document.querySelector(".brand-preview." + parts[0]);
      if (!preview) return;
      var prop = parts[1] === "primary" ? "--brand-bar" : "--accent";
      preview.style.setProperty(prop, e.target.value);
      preview.style.setProperty(prop === "--brand-bar" ? "--brand-bar-fg" : "--accent-fg", textOn(e.target.value));
    });
  }
})();
