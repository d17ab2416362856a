// Offline stand-in for Stripe.js v3, served from our own origin for the dev server and the browser
// tests. It implements the part of Stripe.js that payment.js uses (Stripe(), elements(), the
// Payment Element, confirmPayment, confirmSetup) against the Stripe emulator, talking to it the way
// Stripe.js talks to Stripe: form-encoded POSTs (no CORS preflight) with the publishable key as the
// `key` parameter. Success navigates to return_url with Stripe's query parameters, 3-D Secure goes
// to the emulator's challenge page, and declines or bad input resolve {error} without navigating.
//
//   <script src="/static/js/stripe-standin.js" data-api-base="http://127.0.0.1:12111"></script>
//
// The page's Content-Security-Policy allows styles from 'self' only and no inline styles, so the
// element is styled by classes from ../css/stripe-standin.css, which this script links once.
(function () {
  "use strict";

  var script = document.currentScript || document.querySelector("script[src*='stripe-standin']");
  var dataset = (script && script.dataset) || {};
  var API_BASE = String(dataset.apiBase || "").replace(/\/+$/, "");
  var STYLESHEET = dataset.stylesheet || stylesheetUrl(script);
  var DETACHED_FORM = "standin-no-form";
  var REQUEST_TIMEOUT_MS = 30000;
  var elementCount = 0;

  // ---------------------------------------------------------------------------------------------
  // Words, in the element's language.

  var TEST_CARDS = [
    ["4242 4242 4242 4242", "card_succeeds"],
    ["4000 0000 0000 0002", "card_declined"],
    ["4000 0000 0000 9995", "card_insufficient_funds"],
    ["4000 0025 0000 3155", "card_authenticate_once"],
    ["4000 0027 6000 3184", "card_authenticate_always"],
    ["4000 0000 0000 0341", "card_attach_then_fail"],
    ["4000 0000 0000 0259", "card_disputed"]
  ];

  var TEXT = {
    en: {
      banner_title: "Test mode — Stripe emulator.",
      banner_body: "No real card is charged.",
      cards_intro: "Stripe's test cards:",
      cards_any: "Use any future expiry date and any three-digit CVC.",
      card_succeeds: "succeeds",
      card_declined: "declined",
      card_insufficient_funds: "insufficient funds",
      card_authenticate_once: "asks for authentication once",
      card_authenticate_always: "asks for authentication every time",
      card_attach_then_fail: "saved, but every charge fails",
      card_disputed: "succeeds, then disputed",
      legend: "Card details",
      label_number: "Card number",
      label_expiry: "Expiry (MM / YY)",
      label_cvc: "CVC",
      hint_number: "The long number on the front of your card. Spaces are fine.",
      hint_expiry: "As printed on your card, for example {example}.",
      hint_cvc: "The 3 digits on the back of your card (4 on the front for American Express)."
    },
    ar: {
      banner_title: "وضع الاختبار — محاكي Stripe.",
      banner_body: "لن يُخصم أي مبلغ من بطاقة حقيقية.",
      cards_intro: "بطاقات الاختبار من Stripe:",
      cards_any: "استخدم أي تاريخ انتهاء في المستقبل وأي رمز تحقق من ثلاثة أرقام.",
      card_succeeds: "تنجح",
      card_declined: "تُرفض",
      card_insufficient_funds: "رصيدها غير كافٍ",
      card_authenticate_once: "تطلب المصادقة مرة واحدة",
      card_authenticate_always: "تطلب المصادقة في كل مرة",
      card_attach_then_fail: "تُحفظ، لكن تفشل كل عملية دفع بها",
      card_disputed: "تنجح، ثم يُفتح نزاع على الدفعة",
      legend: "بيانات البطاقة",
      label_number: "رقم البطاقة",
      label_expiry: "تاريخ الانتهاء (شهر / سنة)",
      label_cvc: "رمز التحقق (CVC)",
      hint_number: "الرقم الطويل على وجه بطاقتك، ولا بأس بالمسافات بين الأرقام.",
      hint_expiry: "كما هو مطبوع على بطاقتك، مثل {example}.",
      hint_cvc: "الأرقام الثلاثة على ظهر بطاقتك (أو الأربعة على وجهها في بطاقات American Express)."
    }
  };

  // Stripe's wording in English; decline codes are looked up before error codes.
  var DECLINED_EN = "Your card was declined.";
  var DECLINED_AR = "تم رفض بطاقتك.";
  var AUTH_FAILED_EN = "We are unable to authenticate your payment method. Please choose a different payment method and try again.";
  var AUTH_FAILED_AR = "تعذّر علينا التحقق من وسيلة الدفع الخاصة بك. يُرجى اختيار وسيلة دفع أخرى والمحاولة مرة أخرى.";

  var MESSAGES = {
    en: {
      incomplete_number: "Your card number is incomplete.",
      invalid_number: "Your card number is invalid.",
      incomplete_expiry: "Your card's expiration date is incomplete.",
      invalid_expiry_month: "Your card's expiration month is invalid.",
      invalid_expiry_year: "Your card's expiration year is invalid.",
      invalid_expiry_month_past: "Your card's expiration date is in the past.",
      invalid_expiry_year_past: "Your card's expiration date is in the past.",
      incomplete_cvc: "Your card's security code is incomplete.",
      invalid_cvc: "Your card's security code is invalid.",
      incorrect_cvc: "Your card's security code is incorrect.",
      card_declined: DECLINED_EN,
      generic_decline: DECLINED_EN,
      do_not_honor: DECLINED_EN,
      fraudulent: DECLINED_EN,
      lost_card: DECLINED_EN,
      stolen_card: DECLINED_EN,
      insufficient_funds: "Your card has insufficient funds.",
      incorrect_number: "Your card number is incorrect.",
      expired_card: "Your card has expired.",
      card_velocity_exceeded: "Your card was declined for making repeated attempts too frequently or exceeding its amount limit.",
      authentication_required: "Your card was declined. This transaction requires authentication.",
      test_mode_live_card: "Your card was declined. Your request was in test mode, but used a non test (live) card. For a list of valid test cards, visit: https://stripe.com/docs/testing.",
      processing_error: "An error occurred while processing your card. Try again in a little bit.",
      payment_intent_authentication_failure: AUTH_FAILED_EN,
      setup_intent_authentication_failure: AUTH_FAILED_EN,
      payment_intent_unexpected_state: "This payment can't be completed in its current state. Reload the page to start again.",
      setup_intent_unexpected_state: "Your card can't be saved in the current state of this request. Reload the page to start again.",
      resource_missing: "We couldn't find this payment. Reload the page to start again.",
      api_connection_error: "We couldn't reach the payment service. Check your connection and try again.",
      unexpected: "An unexpected error occurred. Please try again."
    },
    ar: {
      incomplete_number: "رقم بطاقتك غير مكتمل.",
      invalid_number: "رقم بطاقتك غير صالح.",
      incomplete_expiry: "تاريخ انتهاء صلاحية بطاقتك غير مكتمل.",
      invalid_expiry_month: "شهر انتهاء صلاحية بطاقتك غير صالح.",
      invalid_expiry_year: "سنة انتهاء صلاحية بطاقتك غير صالحة.",
      invalid_expiry_month_past: "تاريخ انتهاء صلاحية بطاقتك قد مضى.",
      invalid_expiry_year_past: "تاريخ انتهاء صلاحية بطاقتك قد مضى.",
      incomplete_cvc: "رمز التحقق من بطاقتك غير مكتمل.",
      invalid_cvc: "رمز التحقق من بطاقتك غير صالح.",
      incorrect_cvc: "رمز التحقق من بطاقتك غير صحيح.",
      card_declined: DECLINED_AR,
      generic_decline: DECLINED_AR,
      do_not_honor: DECLINED_AR,
      fraudulent: DECLINED_AR,
      lost_card: DECLINED_AR,
      stolen_card: DECLINED_AR,
      insufficient_funds: "رصيد بطاقتك غير كافٍ.",
      incorrect_number: "رقم بطاقتك غير صحيح.",
      expired_card: "انتهت صلاحية بطاقتك.",
      card_velocity_exceeded: "تم رفض بطاقتك بسبب تكرار المحاولات في وقت قصير أو تجاوز الحد المسموح به من المبالغ.",
      authentication_required: "تم رفض بطاقتك. تتطلب هذه العملية المصادقة.",
      test_mode_live_card: "تم رفض بطاقتك. أُرسل طلبك في وضع الاختبار، لكنه استخدم بطاقة حقيقية غير مخصصة للاختبار. للاطلاع على قائمة ببطاقات الاختبار الصالحة، تفضّل بزيارة: https://stripe.com/docs/testing",
      processing_error: "حدث خطأ أثناء معالجة بطاقتك. يُرجى المحاولة مرة أخرى بعد قليل.",
      payment_intent_authentication_failure: AUTH_FAILED_AR,
      setup_intent_authentication_failure: AUTH_FAILED_AR,
      payment_intent_unexpected_state: "لا يمكن إتمام هذه الدفعة في حالتها الحالية. أعد تحميل الصفحة للبدء من جديد.",
      setup_intent_unexpected_state: "لا يمكن حفظ بطاقتك في الحالة الحالية لهذا الطلب. أعد تحميل الصفحة للبدء من جديد.",
      resource_missing: "تعذّر العثور على هذه العملية. أعد تحميل الصفحة للبدء من جديد.",
      api_connection_error: "تعذّر الاتصال بخدمة الدفع. تحقّق من اتصالك بالإنترنت وحاول مرة أخرى.",
      unexpected: "حدث خطأ غير متوقع. يُرجى المحاولة مرة أخرى."
    }
  };

  function normaliseLocale(value) {
    var locale = value;
    if (locale === "auto") locale = document.documentElement.lang;
    locale = String(locale || "").toLowerCase().split(/[-_]/)[0];
    return TEXT.hasOwnProperty(locale) ? locale : "en";
  }

  // The error with its message in the given language; unknown codes keep the emulator's message,
  // a server fault (api_error, no code) says so in the reader's language.
  function localiseError(error, locale) {
    var table = MESSAGES[locale] || MESSAGES.en;
    var copy = copyOf(error);
    copy.type = copy.type || "api_error";
    var known = (copy.decline_code && table[copy.decline_code]) || (copy.code && table[copy.code]) ||
      (copy.type === "api_connection_error" && table.api_connection_error);
    if (!known && copy.type === "api_error" && !copy.code) known = table.unexpected;
    copy.message = known || copy.message || table.unexpected;
    return copy;
  }

  function makeError(type, code, locale) {
    var error = { type: type };
    if (code) error.code = code;
    var table = MESSAGES[locale] || MESSAGES.en;
    error.message = table[code || type] || table.unexpected;
    return error;
  }

  function copyOf(object) {
    var copy = {};
    for (var name in object) if (Object.prototype.hasOwnProperty.call(object, name)) copy[name] = object[name];
    return copy;
  }

  function integrationError(message) {
    var error = new Error(message);
    error.name = "IntegrationError";
    return error;
  }

  // ---------------------------------------------------------------------------------------------
  // Card checks, before any request (Stripe's validation_error codes).

  var INVISIBLE = /[\s\u00a0\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g;

  // Arabic-Indic and Persian digits typed on an Arabic keyboard count as the same digits.
  function asciiDigits(value) {
    return String(value || "").replace(/[\u0660-\u0669\u06f0-\u06f9]/g, function (digit) {
      var code = digit.charCodeAt(0);
      return String(code - (code >= 0x06f0 ? 0x06f0 : 0x0660));
    });
  }

  function cardDigits(value) {
    return asciiDigits(value).replace(INVISIBLE, "").replace(/-/g, "");
  }

  function isAmex(digits) { return /^3[47]/.test(digits); }

  function luhn(digits) {
    var sum = 0;
    for (var i = 0; i < digits.length; i++) {
      var digit = +digits.charAt(digits.length - 1 - i);
      if (i % 2 === 1) digit = digit * 2 > 9 ? digit * 2 - 9 : digit * 2;
      sum += digit;
    }
    return sum % 10 === 0;
  }

  function checkNumber(value) {
    var digits = cardDigits(value);
    if (!digits) return "incomplete_number";
    if (/\D/.test(digits)) return "invalid_number";
    var shortest = isAmex(digits) ? 15 : /^3(6|0[0-5]|[89])/.test(digits) ? 14 : 16;
    var longest = isAmex(digits) ? 15 : 19;
    if (digits.length < shortest) return "incomplete_number";
    if (digits.length > longest || !luhn(digits)) return "invalid_number";
    return null;
  }

  // "12/34", "12 / 34", "1234", "12/2034" (also "1/34", "12-34", "122034").
  function parseExpiry(value, now) {
    var text = asciiDigits(value).replace(INVISIBLE, "");
    var match = /^(\d{1,2})[\/.\-](\d{2}|\d{4})$/.exec(text) || /^(\d{2})(\d{2}|\d{4})$/.exec(text);
    if (!match) return { code: "incomplete_expiry" };
    var month = +match[1];
    var year = match[2].length === 2 ? 2000 + +match[2] : +match[2];
    var thisYear = now.getFullYear();
    if (month < 1 || month > 12) return { code: "invalid_expiry_month" };
    if (year < thisYear) return { code: "invalid_expiry_year_past" };
    if (year === thisYear && month < now.getMonth() + 1) return { code: "invalid_expiry_month_past" };
    if (year > thisYear + 50) return { code: "invalid_expiry_year" };
    return { code: null, month: month, year: year };
  }

  function checkCvc(value, number) {
    var cvc = asciiDigits(value).replace(INVISIBLE, "");
    var length = isAmex(cardDigits(number)) ? 4 : 3;
    if (!cvc) return "incomplete_cvc";
    if (/\D/.test(cvc) || cvc.length > length) return "invalid_cvc";
    if (cvc.length < length) return "incomplete_cvc";
    return null;
  }

  // {number, expiry, cvc} raw values -> {codes per field, first error code, card params}.
  function checkCard(values) {
    var expiry = parseExpiry(values.expiry, new Date());
    var codes = {
      number: checkNumber(values.number),
      expiry: expiry.code,
      cvc: checkCvc(values.cvc, values.number)
    };
    var first = codes.number || codes.expiry || codes.cvc;
    return {
      codes: codes,
      code: first,
      card: first ? null : {
        number: cardDigits(values.number),
        exp_month: String(expiry.month),
        exp_year: String(expiry.year),
        cvc: asciiDigits(values.cvc).replace(INVISIBLE, "")
      }
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Talking to the emulator.

  function formEncode(params, prefix, parts) {
    parts = parts || [];
    for (var name in params) {
      if (!Object.prototype.hasOwnProperty.call(params, name)) continue;
      var value = params[name];
      if (value === undefined || value === null) continue;
      var key = prefix ? prefix + "[" + name + "]" : name;
      if (typeof value === "object") formEncode(value, key, parts);
      else parts.push(encodeURIComponent(key) + "=" + encodeURIComponent(String(value)));
    }
    return parts.join("&");
  }

  // Resolves {data} on 2xx, {error} (Stripe-shaped, not yet localised) otherwise; never rejects.
  function request(method, path, params) {
    var url = API_BASE + path;
    var init = { method: method, credentials: "omit", cache: "no-store" };
    var timer = null;
    if (typeof AbortController !== "undefined") {
      var controller = new AbortController();
      init.signal = controller.signal;
      timer = setTimeout(function () { controller.abort(); }, REQUEST_TIMEOUT_MS);
    }
    var body = formEncode(params);
    if (method === "GET") {
      url += "?" + body;
    } else {
      init.headers = { "Content-Type": "application/x-www-form-urlencoded" };
      init.body = body;
    }
    var sent;
    try {
      sent = fetch(url, init);
    } catch (thrown) {
      sent = Promise.reject(thrown);
    }
    return sent.then(function (response) {
      return response.text().then(function (text) {
        clearTimeout(timer);
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (ignored) { data = null; }
        if (response.ok && data && !data.error) return { data: data };
        if (data && data.error && typeof data.error === "object") return { error: data.error };
        return { error: { type: "api_error" } };
      });
    }).then(null, function () {
      clearTimeout(timer);
      return { error: { type: "api_connection_error" } };
    });
  }

  function intentIdOf(clientSecret) {
    return String(clientSecret).split("_secret_")[0];
  }

  // return_url plus Stripe's query parameters, before any #fragment.
  function withQuery(url, pairs) {
    var hashAt = url.indexOf("#");
    var base = hashAt === -1 ? url : url.slice(0, hashAt);
    var hash = hashAt === -1 ? "" : url.slice(hashAt);
    var query = pairs.map(function (pair) {
      return encodeURIComponent(pair[0]) + "=" + encodeURIComponent(pair[1]);
    }).join("&");
    var separator = base.indexOf("?") === -1 ? "?" : /[?&]$/.test(base) ? "" : "&";
    return base + separator + query + hash;
  }

  function navigate(url) {
    window.location.assign(url);
    return new Promise(function () {});  // the page is leaving, as with Stripe.js
  }

  // ---------------------------------------------------------------------------------------------
  // DOM helpers (classes only: no style attributes, no inline <style>).

  function node(tag, attributes, children) {
    var element = document.createElement(tag);
    for (var name in attributes) {
      if (Object.prototype.hasOwnProperty.call(attributes, name) && attributes[name] !== null) {
        element.setAttribute(name, attributes[name]);
      }
    }
    (children || []).forEach(function (child) {
      element.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return element;
  }

  function stylesheetUrl(tag) {
    var fallback = "/static/css/stripe-standin.css";
    if (!tag || !tag.src || typeof URL === "undefined") return fallback;
    try { return new URL("../css/stripe-standin.css", tag.src).href; } catch (ignored) { return fallback; }
  }

  function ensureStylesheet() {
    if (document.querySelector("link[data-standin-stylesheet]")) return;
    var link = node("link", { rel: "stylesheet", href: STYLESHEET, "data-standin-stylesheet": "" });
    (document.head || document.documentElement).appendChild(link);
  }

  // "…for example {example}." with the example kept left to right inside Arabic text.
  function textWithExample(text, example) {
    var parts = text.split("{example}");
    var children = [parts[0]];
    if (parts.length > 1) children.push(node("span", { dir: "ltr" }, [example]), parts[1]);
    return children;
  }

  // ---------------------------------------------------------------------------------------------
  // The Payment Element (card only).

  var FIELDS = [
    { key: "number", name: "card_number", label: "label_number", hint: "hint_number",
      attributes: { inputmode: "numeric", autocomplete: "cc-number", placeholder: "1234 1234 1234 1234" } },
    { key: "expiry", name: "expiry", label: "label_expiry", hint: "hint_expiry",
      attributes: { inputmode: "numeric", autocomplete: "cc-exp", placeholder: "MM / YY" } },
    { key: "cvc", name: "cvc", label: "label_cvc", hint: "hint_cvc",
      attributes: { inputmode: "numeric", autocomplete: "cc-csc", placeholder: "CVC" } }
  ];

  function PaymentElement(group) {
    this._group = group;
    this._prefix = "standin-" + (++elementCount) + "-";
    this._handlers = {};
    this._values = { number: "", expiry: "", cvc: "" };
    this._inputs = null;
    this._root = null;
    this._target = null;
    this._destroyed = false;
  }

  PaymentElement.prototype.mount = function (target) {
    if (this._destroyed) throw integrationError("This Element has already been destroyed. Please create a new one.");
    var container = typeof target === "string" ? document.querySelector(target) : target;
    if (!container || container.nodeType !== 1) {
      throw integrationError("The selector you specified (" + target + ") applies to no DOM elements that are currently on the page.");
    }
    if (this._root) this.unmount();
    ensureStylesheet();
    this._target = container;
    this._render();
    var self = this;
    setTimeout(function () { if (self._root) self._emit("ready", { elementType: "payment" }); }, 0);
    return this;
  };

  PaymentElement.prototype._render = function () {
    var self = this;
    var locale = this._group._locale;
    var text = TEXT[locale];
    var old = this._root;
    var focused = old && document.activeElement && old.contains(document.activeElement) ? document.activeElement.name : null;
    if (old) this._readValues();

    var cards = TEST_CARDS.map(function (card) {
      return node("li", { "class": "standin-cards__item" }, [
        node("span", { "class": "standin-cards__number", dir: "ltr" }, [card[0]]), " ",
        node("span", { "class": "standin-cards__effect" }, [text[card[1]]])
      ]);
    });
    var banner = node("div", { "class": "standin-banner", role: "note" }, [
      node("p", { "class": "standin-banner__title" }, [node("strong", {}, [text.banner_title]), " " + text.banner_body]),
      node("p", { "class": "standin-banner__intro" }, [text.cards_intro]),
      node("ul", { "class": "standin-cards" }, cards),
      node("p", { "class": "standin-banner__note" }, [text.cards_any])
    ]);

    this._inputs = {};
    this._errors = {};
    var fields = FIELDS.map(function (field) {
      var id = self._prefix + field.name.replace(/_/g, "-");
      var attributes = {
        id: id, name: field.name, type: "text", dir: "ltr", "class": "standin-input",
        spellcheck: "false", autocorrect: "off", autocapitalize: "off",
        "aria-describedby": id + "-hint",
        // Card details stay out of the page's own form, as they would inside Stripe's iframe.
        form: DETACHED_FORM
      };
      for (var name in field.attributes) attributes[name] = field.attributes[name];
      var input = node("input", attributes);
      input.value = self._values[field.key];
      var hint = node("p", { id: id + "-hint", "class": "standin-hint" },
        field.key === "expiry" ? textWithExample(text.hint_expiry, "12 / 34") : [text[field.hint]]);
      var error = node("p", { id: id + "-error", "class": "standin-field-error", hidden: "" });
      self._inputs[field.key] = input;
      self._errors[field.key] = error;
      input.addEventListener("input", function () { self._onInput(field.key); });
      input.addEventListener("blur", function () { self._onBlur(field.key); });
      input.addEventListener("keydown", function (event) { self._onKeydown(event); });
      return node("div", { "class": "standin-field standin-field--" + field.key }, [
        node("label", { "for": id, "class": "standin-label" }, [text[field.label]]), input, hint, error
      ]);
    });
    var fieldset = node("fieldset", { "class": "standin-fieldset" }, [
      node("legend", { "class": "standin-legend" }, [text.legend]),
      fields[0],
      node("div", { "class": "standin-row" }, [fields[1], fields[2]])
    ]);

    var root = node("div", { "class": "standin-element", lang: locale, "data-standin-element": "payment" }, [banner, fieldset]);
    root.addEventListener("focusin", function (event) {
      if (!event.relatedTarget || !root.contains(event.relatedTarget)) self._emit("focus", { elementType: "payment" });
    });
    root.addEventListener("focusout", function (event) {
      if (!event.relatedTarget || !root.contains(event.relatedTarget)) self._emit("blur", { elementType: "payment" });
    });
    if (old && old.parentNode) old.parentNode.replaceChild(root, old);
    else this._target.appendChild(root);
    this._root = root;
    if (this._shown) this._showErrors(this._shown);
    if (focused) root.querySelector("[name='" + focused + "']").focus();
  };

  PaymentElement.prototype._readValues = function () {
    if (!this._inputs) return this._values;
    for (var key in this._inputs) this._values[key] = this._inputs[key].value;
    return this._values;
  };

  PaymentElement.prototype._check = function () {
    return checkCard(this._readValues());
  };

  // Field errors under the inputs, like Stripe's; `codes` maps field -> code or null.
  PaymentElement.prototype._showErrors = function (codes) {
    var locale = this._group._locale;
    this._shown = codes;
    for (var key in this._inputs) {
      var input = this._inputs[key];
      var error = this._errors[key];
      var code = codes[key];
      var hintId = input.id + "-hint";
      if (code) {
        error.textContent = MESSAGES[locale][code];
        error.hidden = false;
        input.setAttribute("aria-invalid", "true");
        input.setAttribute("aria-describedby", hintId + " " + error.id);
      } else {
        error.textContent = "";
        error.hidden = true;
        input.removeAttribute("aria-invalid");
        input.setAttribute("aria-describedby", hintId);
      }
    }
  };

  PaymentElement.prototype._onInput = function (key) {
    var result = this._check();
    if (this._shown && this._shown[key] && !result.codes[key]) {
      var shown = {};
      for (var name in this._shown) shown[name] = name === key ? null : this._shown[name];
      this._showErrors(shown);
    }
    var values = this._values;
    this._emit("change", {
      elementType: "payment",
      empty: !values.number && !values.expiry && !values.cvc,
      complete: !result.code,
      collapsed: false,
      value: { type: "card" }
    });
  };

  // Like Stripe: a field left incomplete or invalid says so when the reader moves on.
  PaymentElement.prototype._onBlur = function (key) {
    if (!this._inputs || !this._inputs[key].value) return;
    var code = this._check().codes[key];
    var shown = {};
    for (var name in this._inputs) shown[name] = this._shown ? this._shown[name] : null;
    shown[key] = code;
    this._showErrors(shown);
  };

  // The fields are outside the page's form, so Enter submits it as implicit submission would:
  // through its default button, and not at all while that button is disabled.
  PaymentElement.prototype._onKeydown = function (event) {
    if (event.key !== "Enter" || event.isComposing) return;
    var form = this._root && this._root.closest ? this._root.closest("form") : null;
    if (!form) return;
    event.preventDefault();
    if (this._root.hasAttribute("aria-busy")) return;
    var button = form.querySelector("button:not([type]), button[type=submit], input[type=submit], input[type=image]");
    if (button && button.disabled) return;
    if (typeof form.requestSubmit === "function") form.requestSubmit(button || undefined);
    else if (button) button.click();
  };

  // Runs the client-side checks, shows them, focuses the first bad field: {code, card}.
  PaymentElement.prototype._validate = function () {
    var result = this._check();
    this._showErrors(result.codes);
    if (result.code) {
      for (var i = 0; i < FIELDS.length; i++) {
        if (result.codes[FIELDS[i].key]) { this._inputs[FIELDS[i].key].focus(); break; }
      }
    }
    return result;
  };

  PaymentElement.prototype._busy = function (busy) {
    if (!this._root) return;
    if (busy) this._root.setAttribute("aria-busy", "true");
    else this._root.removeAttribute("aria-busy");
    for (var key in this._inputs) this._inputs[key].readOnly = !!busy;
  };

  PaymentElement.prototype._emit = function (event, payload) {
    (this._handlers[event] || []).slice().forEach(function (handler) { handler(payload); });
  };

  PaymentElement.prototype.on = function (event, handler) {
    (this._handlers[event] = this._handlers[event] || []).push(handler);
    return this;
  };

  PaymentElement.prototype.once = function (event, handler) {
    var self = this;
    function wrapper(payload) { self.off(event, wrapper); handler(payload); }
    return this.on(event, wrapper);
  };

  PaymentElement.prototype.off = function (event, handler) {
    if (!handler) delete this._handlers[event];
    else this._handlers[event] = (this._handlers[event] || []).filter(function (h) { return h !== handler; });
    return this;
  };

  PaymentElement.prototype.update = function () { if (this._root) this._render(); return this; };

  PaymentElement.prototype.focus = function () { if (this._inputs) this._inputs.number.focus(); return this; };

  PaymentElement.prototype.blur = function () {
    if (this._root && document.activeElement && this._root.contains(document.activeElement)) document.activeElement.blur();
    return this;
  };

  PaymentElement.prototype.clear = function () {
    this._values = { number: "", expiry: "", cvc: "" };
    this._shown = null;
    if (this._root) this._render();
    return this;
  };

  PaymentElement.prototype.collapse = function () { return this; };

  PaymentElement.prototype.unmount = function () {
    if (!this._root) return this;
    this._readValues();
    if (this._root.parentNode) this._root.parentNode.removeChild(this._root);
    this._root = null;
    this._inputs = null;
    this._target = null;
    return this;
  };

  PaymentElement.prototype.destroy = function () {
    this.unmount();
    this._destroyed = true;
    this._handlers = {};
    if (this._group._element === this) this._group._element = null;
  };

  // ---------------------------------------------------------------------------------------------
  // elements()

  function Elements(stripe, options) {
    this._stripe = stripe;
    this._clientSecret = options.clientSecret || null;
    this._options = options;
    this._locale = normaliseLocale(options.locale || stripe._locale);
    this._element = null;
  }

  Elements.prototype.create = function (type) {
    if (type !== "payment") throw integrationError("The Stripe emulator's stand-in supports only the \"payment\" Element, not \"" + type + "\".");
    if (this._element) throw integrationError("Can only create one Element of type payment.");
    this._element = new PaymentElement(this);
    return this._element;
  };

  Elements.prototype.getElement = function (type) {
    return type === "payment" ? this._element : null;
  };

  Elements.prototype.update = function (options) {
    options = options || {};
    if (options.locale) this._locale = normaliseLocale(options.locale);
    if (options.clientSecret) this._clientSecret = options.clientSecret;
    if (this._element && this._element._root) this._element._render();
  };

  Elements.prototype.fetchUpdates = function () { return Promise.resolve({}); };

  // The deferred-intent step before confirming: runs the checks, resolves {} or {error}.
  Elements.prototype.submit = function () {
    var element = this._element;
    if (!element || !element._root) return Promise.reject(integrationError("elements.submit() needs a mounted Payment Element."));
    var result = element._validate();
    if (result.code) return Promise.resolve({ error: makeError("validation_error", result.code, this._locale) });
    return Promise.resolve({});
  };

  // ---------------------------------------------------------------------------------------------
  // Stripe()

  var KINDS = {
    payment: { prefix: "pi_", path: "/v1/payment_intents/", result: "paymentIntent", param: "payment_intent",
               lastError: "last_payment_error", method: "confirmPayment" },
    setup: { prefix: "seti_", path: "/v1/setup_intents/", result: "setupIntent", param: "setup_intent",
             lastError: "last_setup_error", method: "confirmSetup" }
  };

  function Stripe(publishableKey, options) {
    if (!(this instanceof Stripe)) return new Stripe(publishableKey, options);
    if (!publishableKey || typeof publishableKey !== "string") {
      throw integrationError("Please call Stripe() with your publishable key. You used an empty string.");
    }
    options = options || {};
    this._key = publishableKey;
    this._locale = options.locale;
  }

  Stripe.prototype.elements = function (options) {
    return new Elements(this, options || {});
  };

  function retrieve(stripe, kind, clientSecret) {
    return request("GET", kind.path + encodeURIComponent(intentIdOf(clientSecret)),
      { client_secret: clientSecret, key: stripe._key });
  }

  Stripe.prototype.retrievePaymentIntent = function (clientSecret) {
    var locale = normaliseLocale(this._locale);
    return retrieve(this, KINDS.payment, clientSecret).then(function (reply) {
      return reply.error ? { error: localiseError(reply.error, locale) } : { paymentIntent: reply.data };
    });
  };

  Stripe.prototype.retrieveSetupIntent = function (clientSecret) {
    var locale = normaliseLocale(this._locale);
    return retrieve(this, KINDS.setup, clientSecret).then(function (reply) {
      return reply.error ? { error: localiseError(reply.error, locale) } : { setupIntent: reply.data };
    });
  };

  function createCardMethod(stripe, card, billingDetails) {
    return request("POST", "/v1/payment_methods",
      { type: "card", card: card, billing_details: billingDetails, key: stripe._key });
  }

  Stripe.prototype.createPaymentMethod = function (options) {
    options = options || {};
    var elements = options.elements;
    var element = elements && elements._element;
    if (!element || !element._root) throw integrationError("createPaymentMethod: pass {elements} with a mounted Payment Element.");
    var locale = elements._locale;
    var checked = element._validate();
    if (checked.code) return Promise.resolve({ error: makeError("validation_error", checked.code, locale) });
    var params = options.params || {};
    element._busy(true);
    return createCardMethod(this, checked.card, params.billing_details).then(function (reply) {
      element._busy(false);
      return reply.error ? { error: localiseError(reply.error, locale) } : { paymentMethod: reply.data };
    });
  };

  Stripe.prototype.confirmPayment = function (options) { return confirmIntent(this, KINDS.payment, options); };
  Stripe.prototype.confirmSetup = function (options) { return confirmIntent(this, KINDS.setup, options); };

  function confirmIntent(stripe, kind, options) {
    options = options || {};
    var elements = options.elements || null;
    var params = options.confirmParams || {};
    var redirect = options.redirect === "if_required" ? "if_required" : "always";
    var clientSecret = options.clientSecret || (elements && elements._clientSecret);
    var element = elements && elements._element;
    var locale = elements ? elements._locale : normaliseLocale(stripe._locale);

    if (!clientSecret || String(clientSecret).indexOf(kind.prefix) !== 0 || String(clientSecret).indexOf("_secret_") === -1) {
      throw integrationError("Invalid value for " + kind.method + ": clientSecret should be a " + kind.result +
        " client secret of the form " + kind.prefix + "..._secret_....");
    }
    if (redirect === "always" && !params.return_url) {
      throw integrationError(kind.method + "(): the `confirmParams.return_url` argument is required unless passing `redirect: 'if_required'`.");
    }
    if (!params.payment_method && (!element || !element._root)) {
      throw integrationError(kind.method + "(): pass {elements} with a mounted Payment Element, or confirmParams.payment_method.");
    }

    var intentId = intentIdOf(clientSecret);
    var returnUrl = params.return_url ? absoluteUrl(params.return_url) : null;

    function fail(error) {
      if (element) element._busy(false);
      return { error: localiseError(error, locale) };
    }

    function succeeded(intent) {
      if (redirect === "if_required") {
        if (element) element._busy(false);
        var result = {};
        result[kind.result] = intent;
        return result;
      }
      return navigate(withQuery(returnUrl, [
        [kind.param, intent.id || intentId],
        [kind.param + "_client_secret", clientSecret],
        ["redirect_status", "succeeded"]
      ]));
    }

    function settled(intent) {
      var status = intent.status;
      if (status === "succeeded" || status === "processing" || status === "requires_capture") return succeeded(intent);
      if (status === "requires_action") {
        var action = intent.next_action || {};
        if (action.type === "redirect_to_url" && action.redirect_to_url && action.redirect_to_url.url) {
          return navigate(action.redirect_to_url.url);
        }
        return fail({ type: "api_error", message: MESSAGES[locale].unexpected });
      }
      var last = intent[kind.lastError] || intent.last_payment_error;
      var error = last ? copyOf(last) : { type: "invalid_request_error", code: kind.param + "_unexpected_state" };
      error[kind.param] = intent;
      return fail(error);
    }

    var card = null;
    if (!params.payment_method) {
      var checked = element._validate();
      if (checked.code) return Promise.resolve({ error: makeError("validation_error", checked.code, locale) });
      card = checked.card;
    }
    if (element) element._busy(true);

    // Already paid (a second click, or a reload after paying): go straight to return_url.
    return retrieve(stripe, kind, clientSecret).then(function (reply) {
      if (reply.error) return fail(reply.error);
      var status = reply.data.status;
      if (status === "succeeded" || status === "processing" || status === "requires_capture") return succeeded(reply.data);
      var method = params.payment_method
        ? Promise.resolve({ data: { id: params.payment_method } })
        : createCardMethod(stripe, card, params.payment_method_data && params.payment_method_data.billing_details);
      return method.then(function (created) {
        if (created.error) return fail(created.error);
        var confirmBody = { payment_method: created.data.id, client_secret: clientSecret, key: stripe._key };
        if (returnUrl) confirmBody.return_url = returnUrl;
        return request("POST", kind.path + encodeURIComponent(intentId) + "/confirm", confirmBody).then(function (confirmed) {
          return confirmed.error ? fail(confirmed.error) : settled(confirmed.data);
        });
      });
    });
  }

  function absoluteUrl(url) {
    if (typeof URL === "undefined") return String(url);
    try { return new URL(String(url), document.baseURI).href; } catch (ignored) { return String(url); }
  }

  Stripe.version = 3;
  window.Stripe = Stripe;
  ensureStylesheet();
})();
