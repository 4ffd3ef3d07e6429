// PhoneSupport console: refreshes a region from its partial URL every few seconds (the live board, the technician's
// queue). Plain script, no build step; without it the page still works (a <noscript> meta refresh takes over).
(function () {
  "use strict";
  document.querySelectorAll("[data-refresh-url]").forEach(function (region) {
    var url = region.getAttribute("data-refresh-url");
    var every = Math.max(1000, parseInt(region.getAttribute("data-refresh-ms") || "5000", 10));
    var busy = false;
    // What the region last showed: an unchanged answer is not rendered again (nor announced again by aria-live). The
    // forms' antiforgery tokens differ on every answer and stay valid, so they are left out of the comparison.
    var last = null;
    function meaning(html) { return html.replace(/<input[^>]*name="__RequestVerificationToken"[^>]*>/g, ""); }
    // A field the user changed and has not submitted yet: typed text (not blank), a ticked box or radio, another option.
    function edited(field) {
      if (field.disabled || field.type === "hidden" || field.type === "submit" || field.type === "button") return false;
      if (field.type === "checkbox" || field.type === "radio") return field.checked !== field.defaultChecked;
      if (field.tagName === "SELECT") {
        if (field.multiple) return Array.prototype.some.call(field.options, function (o) { return o.selected !== o.defaultSelected; });
        // A single select without a selected="" option shows its first option: that is its default.
        var initial = 0;
        Array.prototype.forEach.call(field.options, function (o, i) { if (o.defaultSelected) initial = i; });
        return field.options.length > 0 && field.selectedIndex !== initial;
      }
      return field.value.trim() !== "" && field.value !== field.defaultValue;
    }
    function inUse() {
      var active = document.activeElement;
      if (active && region.contains(active) && /^(INPUT|SELECT|TEXTAREA)$/.test(active.tagName)) return true;
      return Array.prototype.some.call(region.querySelectorAll("input, select, textarea"), edited);
    }
    function refresh() {
      if (busy || document.hidden) return;
      // A form in the region being filled in (a field focused, or changed and not yet submitted: a transfer's skill, a
      // note) is not replaced under the user's fingers; the refresh resumes once it is submitted or put back.
      if (inUse()) return;
      busy = true;
      fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (response) {
          if (response.redirected || response.status === 401 || response.status === 403) { window.location.reload(); return null; }
          return response.ok ? response.text() : null;
        })
        .then(function (html) {
          if (html === null || html === undefined || meaning(html) === last) return;
          last = meaning(html);
          var focusedName = document.activeElement && region.contains(document.activeElement) ? document.activeElement.getAttribute("data-focus-key") : null;
          region.innerHTML = html;
          if (focusedName) {
            var again = region.querySelector('[data-focus-key="' + focusedName + '"]');
            if (again) again.focus();
          }
        })
        .catch(function () { /* offline for a moment: the next tick tries again */ })
        .finally(function () { busy = false; });
    }
    setInterval(refresh, every);
  });
})();
