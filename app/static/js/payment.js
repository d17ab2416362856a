// Stripe's Payment Element on our own page, in the reader's language (Arabic laid out right to left).
// The same code runs over stripe.js and, offline, over the Stripe emulator's stand-in for it.
(function () {
  "use strict";
  var form = document.getElementById("payment-form");
  if (!form || typeof Stripe === "undefined") return;
  var data = form.dataset;
  var stripe = Stripe(data.publishableKey, { locale: data.locale });
  var elements = stripe.elements({
    clientSecret: data.clientSecret,
    locale: data.locale,
    appearance: { theme: "stripe", variables: { colorPrimary: "#7a1f3d" } }
  });
  elements.create("payment").mount("#payment-element");
  var errors = document.getElementById("payment-errors");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    var confirm = data.intent === "setup" ? stripe.confirmSetup : stripe.confirmPayment;
    confirm.call(stripe, { elements: elements, confirmParams: { return_url: data.returnUrl } })
      .then(function (result) {
        if (result.error) {
          errors.textContent = result.error.message;
          button.disabled = false;
        }
      });
  });
})();
