// The support prompt, decided in this browser from its own storage only: the variant of a running
// test it was given (drawn once, then kept), when the prompt was last shown or dismissed, and how
// many articles were read here this month. The page is the same for every reader (and cached);
// nothing leaves the browser but the counting beacon, counted once per page view: the impression
// (once the prompt is half in view) and a click on it.
// Without JavaScript, or without storage, the control shows as the page has it.
(function () {
  "use strict";
  var KEY = "enab-prompt";
  var DAY = 24 * 60 * 60 * 1000;
  var KEEP_TESTS = 20;
  var KEEP_READ = 500;
  var now = Date.now();

  function parse(text, fallback) {
    try {
      return JSON.parse(text) || fallback;
    } catch (e) {
      return fallback;
    }
  }

  var storage = null;
  try {
    storage = window.localStorage;
  } catch (e) {
    storage = null;
  }
  var state = storage ? parse(storage.getItem(KEY), {}) : null;
  function save() {
    if (!state) return;
    try {
      storage.setItem(KEY, JSON.stringify(state));
    } catch (e) {
      // storage full or refused: the prompt still works for this page
    }
  }

  // Articles read this month (any article page, prompt or not): distinct ids, this month only.
  var reading = document.querySelector("[data-article-read]");
  var month = new Date().toISOString().slice(0, 7);
  if (state) {
    if (state.month !== month) {
      state.month = month;
      state.read = [];
    }
    state.read = state.read || [];
    var articleId = reading && Number(reading.getAttribute("data-article-read"));
    if (articleId && state.read.indexOf(articleId) < 0) {
      state.read.push(articleId);
      state.read = state.read.slice(-KEEP_READ);
    }
    save();
  }

  var box = document.querySelector("aside[data-prompt]");
  if (!box) return;
  var body = box.querySelector("[data-prompt-body]");
  var rules = parse(box.getAttribute("data-rules"), {});
  var view = pageViewId();

  function pageViewId() {
    var bytes = new Uint8Array(16);
    if (window.crypto && window.crypto.getRandomValues) window.crypto.getRandomValues(bytes);
    else for (var i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  function beacon(event, variant) {
    if (!navigator.sendBeacon) return;
    var data = new FormData();
    data.append("prompt", box.getAttribute("data-prompt"));
    data.append("event", event);
    data.append("view", view);
    if (variant) data.append("variant", variant);
    navigator.sendBeacon("/beacon", data);
  }

  // The rules staff set: hidden for some days after a dismissal, and at most N shows in D days.
  if (state) {
    var dismissDays = Number(rules.dismiss_days) || 0;
    if (dismissDays && state.dismissed && now - state.dismissed < dismissDays * DAY) {
      box.hidden = true;
      return;
    }
    var showDays = Number(rules.show_days) || 0;
    var maxShows = Number(rules.max_shows) || 0;
    state.shows = (state.shows || []).filter(function (at) {
      return now - at < Math.max(showDays, 1) * DAY;
    });
    if (maxShows && showDays && state.shows.length >= maxShows) {
      box.hidden = true;
      save();
      return;
    }
  }

  // Which variant: the one this browser was given for this test, else a draw from the split
  // (the staff's, or the results' when the split follows them).
  var test = box.getAttribute("data-test");
  if (!test || !state) {
    show(null);
    return;
  }
  var split = parse(box.getAttribute("data-split"), {});
  state.tests = state.tests || {};
  var kept = state.tests[test];
  if (kept && Object.prototype.hasOwnProperty.call(split, kept)) {
    show(kept);
  } else if (box.getAttribute("data-weights") && window.fetch) {
    fetch(box.getAttribute("data-weights"), { credentials: "omit" })
      .then(function (response) { return response.json(); })
      .then(function (published) {
        var weights = String(published.test) === test && published.weights;
        assign(draw(weights || split));
      })
      .catch(function () { assign(draw(split)); });
  } else {
    assign(draw(split));
  }

  function draw(weights) {
    var ids = Object.keys(weights);
    var total = ids.reduce(function (sum, id) { return sum + Number(weights[id]); }, 0);
    var point = Math.random() * total;
    for (var i = 0; i < ids.length; i++) {
      point -= Number(weights[ids[i]]);
      if (point < 0) return ids[i];
    }
    return ids[ids.length - 1];
  }

  function assign(variant) {
    var order = Object.keys(state.tests).filter(function (id) { return id !== test; });
    var tests = {};
    order.slice(-(KEEP_TESTS - 1)).forEach(function (id) { tests[id] = state.tests[id]; });
    tests[test] = variant;
    state.tests = tests;
    save();
    show(variant);
  }

  function show(variant) {
    if (variant && variant !== box.getAttribute("data-control")) {
      var template = box.querySelector('template[data-variant="' + variant + '"]');
      if (template) {
        while (body.firstChild) body.removeChild(body.firstChild);
        body.appendChild(template.content.cloneNode(true));
      }
    }
    if (variant) {
      box.setAttribute("data-shown", variant);
      // The support page carries the variant on to the payment it starts (the test's figures).
      body.querySelectorAll("a[href]").forEach(function (link) {
        var url = new URL(link.href);
        url.searchParams.set("variant", variant);
        link.href = url.toString();
        link.addEventListener("click", function () { beacon("clicks", variant); });
      });
    }
    articleCount();
    var dismiss = box.querySelector("[data-dismiss]");
    if (dismiss && state) {
      dismiss.hidden = false;
      dismiss.addEventListener("click", function () {
        state.dismissed = Date.now();
        save();
        box.hidden = true;
      });
    }
    whenSeen(function () {
      if (state) {
        state.shows = (state.shows || []).concat([Date.now()]);
        save();
      }
      beacon("impressions", variant);
    });
  }

  function articleCount() {
    var line = body.querySelector("[data-article-count]");
    var forms = parse(box.getAttribute("data-count-forms"), null);
    var count = state && state.read ? state.read.length : 0;
    if (!line || !forms || count < 1) return;
    var lang = box.getAttribute("data-lang");
    var category = window.Intl && Intl.PluralRules ? new Intl.PluralRules(lang).select(count) : (count === 1 ? "one" : "other");
    var number = window.Intl ? new Intl.NumberFormat(lang, { numberingSystem: "latn" }).format(count) : String(count);
    line.textContent = (forms[category] || forms.other).replace("{count}", number);
    line.hidden = false;
  }

  function whenSeen(callback) {
    if (!("IntersectionObserver" in window)) {
      callback();
      return;
    }
    var seen = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (entry.isIntersecting) {
          seen.disconnect();
          callback();
        }
      });
    }, { threshold: 0.5 });
    seen.observe(box);
  }
})();
