// The support prompt and its counting beacon: prompt.js.

// Members: switch an article between its two language versions in place, or show both side by side
// (remembered on the account). Without JavaScript the same controls are a link and a form.
(function () {
  "use strict";
  var box = document.querySelector("[data-versions]");
  if (!box) return;
  var versions = {
    this: box.querySelector('[data-version="this"]'),
    other: box.querySelector('[data-version="other"]')
  };
  var links = box.querySelectorAll("a[data-show]");
  var bothButton = box.querySelector('button[data-show="both"]');
  var form = bothButton && bothButton.form;

  function show(which) {
    var both = which === "both";
    box.classList.toggle("versions--both", both);
    versions.this.hidden = !(both || which === "this");
    versions.other.hidden = !(both || which === "other");
    links.forEach(function (link) {
      var current = !both && link.getAttribute("data-show") === which;
      if (current) link.setAttribute("aria-current", "true");
      else link.removeAttribute("aria-current");
    });
    if (bothButton) bothButton.setAttribute("aria-pressed", both ? "true" : "false");
  }

  links.forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      show(link.getAttribute("data-show"));
    });
  });

  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var both = !box.classList.contains("versions--both");
      form.elements.mode.value = both ? "side_by_side" : "single";
      show(both ? "both" : "this");
      fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: { Accept: "application/json" },
        credentials: "same-origin"
      });
      form.elements.mode.value = both ? "single" : "side_by_side";
    });
  }
})();

// The payment return page: ask our own status endpoint until the membership is active
// (without JavaScript the page refreshes itself with a meta refresh).
(function () {
  "use strict";
  var box = document.querySelector("[data-payment-status]");
  if (!box || box.getAttribute("data-state") !== "processing" || !window.fetch) return;
  function poll() {
    fetch(box.getAttribute("data-payment-status"), { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (body) {
        if (body.state !== "processing") window.location.reload();
        else window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 4000); });
  }
  window.setTimeout(poll, 1500);
})();

// The support form: typing another amount chooses "Another amount" (where the field shows before
// it is chosen, as in browsers without CSS :has()), so the figure typed is the one paid.
(function () {
  "use strict";
  var field = document.querySelector(".support-form input[name=other_amount]");
  var other = document.querySelector(".support-form input[name=amount][value=other]");
  if (!field || !other) return;
  field.addEventListener("input", function () {
    if (field.value.trim()) other.checked = true;
  });
})();
