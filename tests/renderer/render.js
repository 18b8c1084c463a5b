// Test harness: renders Adaptive Cards with Microsoft's official renderer and reports every
// problem it can see (parse events, validation events, exceptions, console output, clipped text).
// Driven by tests/support/browser.py through `window.renderCards(items, options)`.
"use strict";

(function () {
  const AC = window.AdaptiveCards;
  // Webex renders Adaptive Cards 1.3: anything newer is a problem, not a feature.
  const TARGET_VERSION = AC.Versions.v1_3;

  async function loadHostConfig() {
    const response = await fetch("webex-host-config.json");
    if (!response.ok) throw new Error("webex-host-config.json: HTTP " + response.status);
    return new AC.HostConfig(await response.json());
  }

  function describeEvent(e) {
    const kind = AC.ValidationEvent[e.event] || String(e.event);
    let where = "";
    if (e.source && typeof e.source.getJsonTypeName === "function") {
      where = " [" + e.source.getJsonTypeName() + (e.source.id ? " #" + e.source.id : "") + "]";
    }
    return kind + where + ": " + e.message;
  }

  function contextEvents(context) {
    const events = [];
    for (let i = 0; i < context.eventCount; i++) events.push(describeEvent(context.getEventAt(i)));
    return events;
  }

  // Console output during one card's parse/render belongs to that card.
  function captureConsole(sink) {
    const original = { error: console.error, warn: console.warn };
    const format = (args) => args.map((a) => (a instanceof Error ? a.stack || a.message : String(a))).join(" ");
    console.error = (...args) => { sink.consoleErrors.push(format(args)); original.error.apply(console, args); };
    console.warn = (...args) => { sink.warnings.push("console.warn: " + format(args)); original.warn.apply(console, args); };
    return () => { console.error = original.error; console.warn = original.warn; };
  }

  function clippedTexts(root) {
    const found = [];
    const rootBox = root.getBoundingClientRect();
    if (root.scrollWidth > root.clientWidth + 1) {
      found.push("card overflows horizontally by " + (root.scrollWidth - root.clientWidth) + "px");
    }
    const isCut = (el) => el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1;
    root.querySelectorAll(".ac-textBlock, .ac-richTextBlock, .ac-pushButton, .ac-fact-title, .ac-fact-value").forEach((el) => {
      // The renderer ellipsises inside a child <p>, so look at the block and everything in it.
      const cut = isCut(el) || Array.from(el.querySelectorAll("*")).some(isCut);
      const outside = el.getBoundingClientRect().right > rootBox.right + 1;
      if ((cut || outside) && el.textContent.trim()) found.push(el.textContent.trim().slice(0, 120));
    });
    return found;
  }

  // Webex rules the renderer itself does not enforce: it defaults a missing type or version.
  function envelopeErrors(json) {
    const errors = [];
    if (!json || json.type !== "AdaptiveCard") errors.push("harness: card type must be \"AdaptiveCard\"");
    const version = json && typeof json.version === "string" ? AC.Version.parse(json.version, new AC.SerializationContext()) : undefined;
    if (!version || !version.isValid) errors.push("harness: card needs a valid \"version\" (Webex renders 1.3)");
    else if (version.compareTo(TARGET_VERSION) > 0) errors.push("harness: card version " + json.version + " is newer than 1.3");
    return errors;
  }

  function renderOne(item, hostConfig, frame) {
    const result = { name: item.name, errors: [], warnings: [], consoleErrors: [], width: 0, height: 0,
      clipped: [], links: [], resources: [] };
    const restore = captureConsole(result);
    try {
      const card = new AC.AdaptiveCard();
      card.hostConfig = hostConfig;
      const context = new AC.SerializationContext(TARGET_VERSION);
      result.errors.push(...envelopeErrors(item.card));
      card.parse(item.card, context);
      result.errors.push(...contextEvents(context));
      card.validateProperties().validationEvents.forEach((e) => result.warnings.push(describeEvent(e)));
      const element = card.render();
      if (!element) throw new Error("AdaptiveCard.render() returned nothing");
      frame.appendChild(element);
      const box = element.getBoundingClientRect();
      result.width = box.width;
      result.height = box.height;
      result.clipped = clippedTexts(element);
      result.links = Array.from(element.querySelectorAll("a[href]"), (a) => a.getAttribute("href"));
      result.resources = Array.from(element.querySelectorAll("img[src]"), (img) => img.src);
    } catch (err) {
      result.errors.push("exception: " + (err && err.stack ? err.stack : String(err)));
    } finally {
      restore();
    }
    return result;
  }

  // Renders every card into its own labelled frame; returns one result per card, in order.
  window.renderCards = async function (items, options) {
    const hostConfig = await window.hostConfigReady;
    const width = (options && options.width) || 420;
    const container = document.getElementById("cards");
    container.replaceChildren();
    return items.map((item, index) => {
      const slot = document.createElement("section");
      slot.className = "slot";
      slot.dataset.slot = String(index);
      const label = document.createElement("div");
      label.className = "slot-label";
      label.textContent = item.name;
      const frame = document.createElement("div");
      frame.className = "card-frame";
      frame.style.width = width + "px";
      slot.append(label, frame);
      container.appendChild(slot);
      return renderOne(item, hostConfig, frame);
    });
  };

  window.hostConfigReady = loadHostConfig();
})();
