// The Recap sandbox chat page: posts messages and card submissions through the sandbox's small JSON
// API (which hands them to the Webex emulator), polls the space's messages and draws them.
// Meeting text is data: every string from the server is written with textContent; markdown goes through
// markdown-it with raw HTML switched off, and cards through Microsoft's Adaptive Cards renderer.
"use strict";

(function () {
  const POLL_MS = 700;
  const HIDDEN_POLL_MS = 3000;  // a background tab checks less often
  const TYPING_TIMEOUT_MS = 20000;
  const $ = (id) => document.getElementById(id);
  const md = window.markdownit ? window.markdownit({ html: false, linkify: false, typographer: false }) : null;
  const AC = window.AdaptiveCards;
  // The sandbox refuses a change without this run's token (from the page's <meta>): other sites cannot read it.
  const TOKEN = document.querySelector('meta[name="recap-sandbox-token"]').content;

  const view = {
    world: null, who: "admin", space: "direct", roomId: null, lastId: null, nodes: new Map(),
    generation: 0, timer: null, hostConfig: null, typingTimer: null, waitingSince: null,
  };

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  async function api(path, options) {
    const response = await fetch(path, options);
    let body = {};
    try { body = await response.json(); } catch (_) { /* an empty or non-JSON answer */ }
    if (!response.ok) throw new Error(body.error || "HTTP " + response.status);
    return body;
  }

  function postJson(path, data) {
    return api(path, {
      method: "POST", headers: { "Content-Type": "application/json", "X-Recap-Sandbox-Token": TOKEN },
      body: JSON.stringify(data),
    });
  }

  // --- markdown and cards --------------------------------------------------------------------------

  // markdown-it with html:false escapes every tag in the source; links open in a new tab.
  function markdownInto(node, text) {
    if (!md) { basicMarkdownInto(node, text); return; }
    node.innerHTML = md.render(text);
    node.querySelectorAll("a[href]").forEach((a) => { a.target = "_blank"; a.rel = "noopener noreferrer"; });
  }

  // Without markdown-it (offline, no local copy) the marks Recap uses are drawn by hand, with DOM nodes only:
  // **bold**, `code`, backslash escapes and "- " bullets; anything else stays as it was typed.
  const MARKS = /\\([!-\/:-@[-`{-~])|`([^`\n]*)`|\*\*((?:\\[^\n]|[^*\n])+?)\*\*/g;
  const unescape = (text) => text.replace(/\\([!-\/:-@[-`{-~])/g, "$1");

  function basicMarkdownInto(node, text) {
    text.split("\n").forEach((line, index) => {
      if (index) node.appendChild(document.createTextNode("\n"));
      const bulleted = line.replace(/^(\s*)[-*] /, "$1• ");
      let last = 0;
      for (const mark of bulleted.matchAll(MARKS)) {
        node.appendChild(document.createTextNode(bulleted.slice(last, mark.index)));
        if (mark[1] !== undefined) node.appendChild(document.createTextNode(mark[1]));
        else if (mark[2] !== undefined) node.appendChild(el("code", null, mark[2]));
        else node.appendChild(el("strong", null, unescape(mark[3])));
        last = mark.index + mark[0].length;
      }
      node.appendChild(document.createTextNode(bulleted.slice(last)));
    });
    node.classList.add("plain");
  }

  function setUpRenderer() {
    if (!AC) return Promise.resolve(null);
    AC.AdaptiveCard.onProcessMarkdown = (text, result) => {
      if (!md) return;  // the renderer then shows the text as plain text
      result.outputHtml = md.render(text);
      result.didProcess = true;
    };
    return fetch("static/host-config.json").then((r) => r.json()).then((json) => new AC.HostConfig(json));
  }

  function renderCard(frame, message) {
    if (!AC || !view.hostConfig) {
      const fallback = el("div", "card-fallback");
      markdownInto(fallback, message.markdown || "(a card)");
      frame.appendChild(fallback);
      return;
    }
    const card = new AC.AdaptiveCard();
    card.hostConfig = view.hostConfig;
    card.onExecuteAction = (action) => onCardAction(message, action, frame);
    card.parse(message.card, new AC.SerializationContext(AC.Versions.v1_3));
    const rendered = card.render();
    if (rendered) frame.appendChild(rendered);
  }

  function onCardAction(message, action, frame) {
    const type = action.getJsonTypeName();
    if (type === "Action.Submit") {
      // After the renderer validated the inputs, action.data is the button's data merged with the input values.
      const inputs = Object.assign({}, action.data || {});
      frame.dataset.pressed = action.title || "";
      waitForReply();
      postJson("api/actions", { as: view.who, messageId: message.id, inputs: inputs })
        .catch((err) => showError("That button did not work: " + err.message));
    } else if (type === "Action.OpenUrl" && /^https?:\/\//i.test(action.url || "")) {
      window.open(action.url, "_blank", "noopener,noreferrer");
    }
  }

  // --- messages --------------------------------------------------------------------------------------

  function initials(name) {
    const words = String(name).trim().split(/\s+/).filter(Boolean);
    return ((words[0] || "?")[0] + (words.length > 1 ? words[words.length - 1][0] : "")).toUpperCase();
  }

  function timeOf(iso) {
    const when = new Date(iso);
    return isNaN(when) ? "" : when.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function textNode(message) {
    const p = el("p", "text");
    p.dir = "auto";
    let text = message.text;
    const botName = view.world.bot.name;
    if (message.mentionsBot && text.toLowerCase().startsWith(botName.toLowerCase())) {
      p.appendChild(el("span", "mention", "@" + botName));
      text = text.slice(botName.length);
    }
    p.appendChild(document.createTextNode(text));
    return p;
  }

  function buildMessage(message) {
    const article = el("article", "message " + (message.person.isBot ? "from-bot" : "from-person"));
    article.dataset.messageId = message.id;
    const avatar = el("div", "avatar", message.person.isBot ? "R" : initials(message.person.name));
    const person = view.world.people.find((p) => p.email === message.person.email);
    avatar.classList.add("avatar-" + (message.person.isBot ? "bot" : person ? person.key : "other"));
    const body = el("div", "message-body");
    const head = el("div", "message-head");
    head.appendChild(el("span", "name", message.person.name));
    if (message.person.isBot) head.appendChild(el("span", "badge", "Bot"));
    head.appendChild(el("time", "time", timeOf(message.created)));
    body.appendChild(head);
    const content = el("div", "content");
    if (message.card) {
      const frame = el("div", "card-frame");
      content.appendChild(frame);
      renderCard(frame, message);
    } else if (message.person.isBot && message.markdown) {
      const block = el("div", "markdown");
      markdownInto(block, message.markdown);
      content.appendChild(block);
    } else {
      content.appendChild(textNode(message));
    }
    message.files.forEach((file) => {
      const link = el("a", "file", file.name);
      link.href = file.url;
      link.setAttribute("download", file.name);
      content.appendChild(link);
    });
    body.appendChild(content);
    body.appendChild(el("div", "thread"));
    article.append(avatar, body);
    return article;
  }

  function addMessage(message) {
    if (view.nodes.has(message.id)) return;
    $("conversation").querySelector(".empty")?.remove();
    const node = buildMessage(message);
    const parent = message.parentId && view.nodes.get(message.parentId);
    const conversation = $("conversation");
    const atBottom = conversation.scrollHeight - conversation.scrollTop - conversation.clientHeight < 120;
    (parent ? parent.querySelector(".thread") : conversation).appendChild(node);
    view.nodes.set(message.id, node);
    if (message.person.isBot && view.waitingSince !== null) {
      stopWaiting();
      node.scrollIntoView({ block: "start" });
    } else if (message.person.isBot && !parent && atBottom) {
      node.scrollIntoView({ block: "start" });  // a post nobody asked for (an automatic recap): show its top
    } else if (atBottom || !message.person.isBot) {
      conversation.scrollTop = conversation.scrollHeight;
    }
  }

  function showEmpty() {
    const empty = el("div", "empty");
    empty.appendChild(el("p", "empty-title", "Nothing here yet"));
    empty.appendChild(el("p", null, "Say “help”, or click a command on the left. Replies arrive in a thread under " +
      "your message, just as in Webex."));
    $("conversation").appendChild(empty);
  }

  // --- polling ------------------------------------------------------------------------------------

  async function poll() {
    const generation = view.generation;
    try {
      const query = new URLSearchParams({ as: view.who });
      if (view.lastId) query.set("after", view.lastId);
      const body = await api("api/rooms/" + encodeURIComponent(view.roomId) + "/messages?" + query);
      if (generation !== view.generation) return;
      if (!view.lastId && body.messages.length === 0 && !$("conversation").querySelector(".empty")) showEmpty();
      body.messages.forEach((message) => { view.lastId = message.id; addMessage(message); });
      setConnection("online", "connected");
    } catch (err) {
      setConnection("offline", "sandbox not reachable");
    } finally {
      if (generation === view.generation) view.timer = setTimeout(poll, document.hidden ? HIDDEN_POLL_MS : POLL_MS);
    }
  }

  function setConnection(state, label) {
    const badge = $("connection");
    badge.dataset.state = state;
    badge.textContent = label;
  }

  function openRoom() {
    const person = view.world.people.find((p) => p.key === view.who);
    view.roomId = person.spaces[view.space];
    view.generation += 1;
    view.lastId = null;
    view.nodes.clear();
    clearTimeout(view.timer);
    stopWaiting();
    $("conversation").replaceChildren();
    const group = view.space === "group";
    $("room-title").textContent = group ? view.world.group.title : "1:1 with " + view.world.bot.name;
    $("room-note").textContent = group
      ? "Group space: your message @mentions " + view.world.bot.name + ". Cards here show the privacy view " +
        "(no private chat, no e-mail addresses)."
      : "Direct space between " + person.name + " and " + view.world.bot.name + ". An authorised admin gets the " +
        "full view here; exports work only in 1:1 spaces.";
    $("mention").hidden = !group;
    $("mention").textContent = "@" + view.world.bot.name;
    poll();
  }

  // --- sending -------------------------------------------------------------------------------------

  function waitForReply() {
    view.waitingSince = Date.now();
    $("typing").hidden = false;
    clearTimeout(view.typingTimer);
    view.typingTimer = setTimeout(stopWaiting, TYPING_TIMEOUT_MS);
  }

  function stopWaiting() {
    view.waitingSince = null;
    $("typing").hidden = true;
    clearTimeout(view.typingTimer);
  }

  function showError(text) {
    const box = $("composer-error");
    box.textContent = text;
    box.hidden = !text;
  }

  async function send(event) {
    event.preventDefault();
    const input = $("message-text");
    const text = input.value.trim();
    if (!text) return;
    showError("");
    $("send").disabled = true;
    try {
      const body = await postJson("api/rooms/" + encodeURIComponent(view.roomId) + "/messages",
        { as: view.who, text: text });
      input.value = "";
      waitForReply();
      addMessage(body.message);
    } catch (err) {
      showError("Not sent: " + err.message);
    } finally {
      $("send").disabled = false;
      input.focus();
    }
  }

  function fillComposer(command) {
    const input = $("message-text");
    input.value = command;
    input.focus();
  }

  // --- the sidebar -------------------------------------------------------------------------------------

  function choice(group, value, title, detail, checked, onChange) {
    const label = el("label", "choice");
    const radio = el("input");
    radio.type = "radio";
    radio.name = group;
    radio.value = value;
    radio.checked = checked;
    radio.addEventListener("change", () => radio.checked && onChange(value));
    const text = el("span", "choice-text");
    text.appendChild(el("span", "choice-title", title));
    text.appendChild(el("span", "choice-detail", detail));
    label.append(radio, text);
    return label;
  }

  function buildSidebar(world) {
    $("people").replaceChildren(...world.people.map((p) => choice("who", p.key, p.name, p.email + " · " + p.role,
      p.key === view.who, (key) => { view.who = key; openRoom(); })));
    $("spaces").replaceChildren(
      choice("space", "direct", "1:1 with " + world.bot.name, "direct space · you and the bot", true,
        (space) => { view.space = space; openRoom(); }),
      choice("space", "group", world.group.title, "group space · " + world.group.members.join(", "), false,
        (space) => { view.space = space; openRoom(); }));
    $("examples").replaceChildren(...world.examples.map((example) => {
      const item = el("li");
      const button = el("button", "example");
      button.type = "button";
      button.title = example.command;
      button.appendChild(el("code", null, example.command));
      button.appendChild(el("span", "example-note", example.note));
      button.addEventListener("click", () => fillComposer(example.command));
      item.appendChild(button);
      return item;
    }));
    $("renderer-source").textContent = document.body.dataset.rendererSource || "";
  }

  function warnAboutRenderer() {
    if (AC) return;
    // The server wrote why (npm could not install it, the CDN did not answer, ...): data-renderer-fallback.
    const box = $("renderer-warning");
    box.textContent = document.body.dataset.rendererFallback ||
      "Cards are shown as text: the card renderer did not load.";
    box.hidden = false;
  }

  async function start() {
    $("composer").addEventListener("submit", send);
    warnAboutRenderer();
    try {
      [view.world, view.hostConfig] = await Promise.all([api("api/world"), setUpRenderer()]);
    } catch (err) {
      setConnection("offline", "sandbox not reachable");
      showError("Could not load the sandbox: " + err.message + ". Is `recap sandbox` still running?");
      return;
    }
    buildSidebar(view.world);
    openRoom();
    $("message-text").focus();
  }

  start();
})();
