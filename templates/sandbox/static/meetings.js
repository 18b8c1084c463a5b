// The sandbox page's meetings: the "End a meeting" form asks the sandbox to end a generated meeting in the
// emulator, which sends the signed meetings/ended webhook to the bot (subscribed spaces then get a recap card
// after a short delay); the "Meetings in the emulator" list is reloaded after each end, and every few seconds
// for a while after it as long as an ended meeting's archive is still to come. Meeting text is data: it is written with textContent.
"use strict";

(function () {
  const PENDING_REFRESH_MS = 3000;
  const PENDING_WATCH_MS = 60000;  // covers the "15 s late" archive; a "never" one is not watched for ever
  const form = document.getElementById("end-meeting");
  const status = document.getElementById("end-meeting-status");
  const list = document.getElementById("archives");
  const state = { timer: null, loading: null, justEnded: null, endedAt: 0 };
  const TOKEN = document.querySelector('meta[name="recap-sandbox-token"]').content;  // see page.js

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function compose(command) {
    const input = document.getElementById("message-text");
    if (!input) return;
    input.value = command;
    input.focus();
  }

  function meetingItem(meeting) {
    const item = el("li", "archive");
    if (meeting.pending) item.classList.add("pending");
    if (meeting.meetingId && meeting.meetingId === state.justEnded) item.classList.add("just-ended");
    item.dataset.meetingId = meeting.meetingId || "";
    const title = el("span", "archive-title", meeting.title || "Untitled meeting");
    title.dir = "auto";  // right-to-left titles read correctly
    item.appendChild(title);
    const when = (meeting.start || "").slice(0, 10) + " · " + meeting.host;
    item.appendChild(el("span", "archive-meta", meeting.pending ? when + " · archive not published yet" : when));
    if (meeting.pending) return item;  // no archive id to ask about yet
    const id = el("button", "archive-id");
    id.type = "button";
    id.title = "Put “summary " + meeting.id + "” in the message box";
    id.appendChild(el("code", null, meeting.id));
    id.addEventListener("click", () => compose("summary " + meeting.id));
    item.appendChild(id);
    return item;
  }

  function later() {
    if (Date.now() - state.endedAt < PENDING_WATCH_MS) state.timer = setTimeout(refresh, PENDING_REFRESH_MS);
  }

  // One load at a time; a request made while one runs is answered by the next load.
  function refresh() {
    if (!list) return Promise.resolve();
    if (state.loading) return state.loading.then(refresh);
    clearTimeout(state.timer);
    state.loading = fetch("api/meetings")
      .then((response) => response.ok ? response.json() : Promise.reject(new Error("HTTP " + response.status)))
      .then((body) => {
        list.replaceChildren(...body.meetings.map(meetingItem));
        if (body.meetings.some((meeting) => meeting.pending)) later();
      })
      .catch(later)  // the page's connection badge already says when the sandbox is unreachable
      .finally(() => { state.loading = null; });
    return state.loading;
  }

  // parts: strings (set as text) and elements built with el().
  function say(parts, failed) {
    status.replaceChildren(...parts);
    status.classList.toggle("failed", Boolean(failed));
    status.hidden = false;
  }

  async function endMeeting(event) {
    event.preventDefault();
    const button = form.querySelector("button");
    const data = new FormData(form);
    button.disabled = true;
    try {
      const response = await fetch("api/meetings/end", {
        method: "POST", headers: { "Content-Type": "application/json", "X-Recap-Sandbox-Token": TOKEN },
        body: JSON.stringify({ hostEmail: data.get("hostEmail"), title: data.get("title"), late: data.get("late") }),
      });
      const body = await response.json().catch(() => ({}));
      if (!response.ok) throw new Error(body.error || "HTTP " + response.status);
      state.justEnded = body.meeting.id;
      state.endedAt = Date.now();
      const when = data.get("late") === "never"
        ? "The bot gives up after " + body.deadline + " s and says why"
        : "Its recap arrives in every subscribed space after about " + body.recapDelay + " s" +
          (data.get("late") === "late" ? " (plus the wait for the late archive)" : "");
      const hint = el("span", "status-next", "Not subscribed yet? Send ");
      hint.append(el("code", null, "subscribe all"), ".");
      say([el("span", "status-title", "“" + body.meeting.title + "” ended."), el("span", "status-next", when + "."),
        hint], false);
      refresh();
    } catch (error) {
      say(["Could not end a meeting: " + error.message], true);
    } finally {
      button.disabled = false;
    }
  }

  if (form && status) form.addEventListener("submit", endMeeting);
  refresh();
})();
