// Counts support-prompt impressions with a first-party beacon once a prompt is half in view.
// The page itself stays cacheable: nothing here depends on who the reader is.
(function () {
  "use strict";
  var prompts = document.querySelectorAll("[data-prompt]");
  if (!prompts.length || !navigator.sendBeacon) return;
  function send(el) {
    var body = new FormData();
    body.append("prompt", el.getAttribute("data-prompt"));
    navigator.sendBeacon("/beacon", body);
  }
  if (!("IntersectionObserver" in window)) {
    prompts.forEach(send);
    return;
  }
  var seen = new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      if (entry.isIntersecting) {
        seen.unobserve(entry.target);
        send(entry.target);
      }
    });
  }, { threshold: 0.5 });
  prompts.forEach(function (el) { seen.observe(el); });
})();
