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
    function refresh() {
      if (busy || document.hidden) return;
      // A form in the region being filled in is not replaced under the user's fingers.
      var active = document.activeElement;
      if (active && region.contains(active) && /^(INPUT|SELECT|TEXTAREA)$/.test(active.tagName)) return;
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
