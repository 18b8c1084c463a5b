"""Word pools for the meeting generator, including the hostile names and texts every meeting must survive."""

from __future__ import annotations

FIRST_NAMES = (
    "Alice", "Bilal", "Chen", "Dana", "Élodie", "Farid", "Greta", "Hiroshi", "Ines", "José", "Kofi", "Łukasz",
    "Mariam", "Nguyễn", "Olga", "Priya", "Quentin", "Rania", "Søren", "Tomás", "Uma", "Viktor", "Wanjiru",
    "Xu", "Yael", "Zoë", "François", "Aoife", "Björn", "Chiara", "Dmitri", "Esra", "Fatima", "Gustavo",
)
LAST_NAMES = (
    "Martin", "Haddad", "Wei", "Cohen", "Dubois", "Okafor", "Müller", "Tanaka", "García", "Nowak", "Andersen",
    "Mensah", "Kovács", "Rossi", "Silva", "Ivanova", "Patel", "O'Connor", "Nakamura", "Lindqvist", "Kaya",
    "Fernández", "Jensen", "Abdullah", "Zhang", "Smith", "Van der Berg", "Da Costa", "Al-Masri", "Kim",
)

# Names that stress quoting, escaping, bidi text, markdown, mentions and HTML. Every generated
# meeting with enough participants contains all of them.
HOSTILE_NAMES = (
    'Zoë "Zed" O\'Brien',
    "C:\\Users\\bob\\",
    "🦄 Unicorn 🎉",
    "محمد الأحمد",
    "דוד כהן",
    "**Bold** Bob",
    "[Click me](http://x)",
    "<@all>",
    "<b>Bold</b> Betty",
    '<script>alert("name")</script>',
)

CHAT_TEXTS = (
    "Good morning everyone!", "Can you share the slides?", "Sorry, I'm a few minutes late.",
    "The recording link will be sent after the meeting.", "+1", "Agreed.", "Could you repeat the last point?",
    "My audio dropped, back now.", "Here is the doc: https://example.com/doc/42", "Thanks, that was helpful.",
    "Will there be a follow-up?", "Next steps are in the tracker.", "Who owns the migration?", "Done ✅",
    "I have a hard stop at the hour.", "Let's take that offline.", "What's the deadline?", "Lunch break? 🍕",
)
HOSTILE_TEXTS = (
    'He said "ship it" — don\'t he?',
    "Path: C:\\temp\\new\\file.txt and a lone backslash \\",
    "Great job 🎉🚀👍🏽 family: 👨‍👩‍👧‍👦",
    "شكرا لكم جميعا على الحضور",
    "תודה רבה לכולם, נתראה מחר",
    "**bold** _italic_ `code` ~~strike~~",
    "see [link](http://x) and <http://example.com>",
    "<@all> please read this",
    "<b>bold</b> <script>alert(1)</script> <img src=x onerror=alert(2)>",
    "{{ 7*7 }} {% if true %}jinja{% endif %} ${user}",
    'json: {"text": "}", "x": [1,2]}',
    "Line one\nLine two\n\tTabbed",
)

TITLES = (
    "Weekly sync", "Quarterly all-hands 📣", 'Design review: "Q3" <b>plan</b>', "مراجعة المشروع الأسبوعية",
    "Customer workshop", "Incident retro \\ follow-up", "Sprint planning", "Board prep [draft](http://x)",
)

POLL_QUESTIONS = (
    ("Which day suits the offsite?", ("Monday", "Wednesday", "Friday", "No preference")),
    ("How confident are you in the Q3 plan?", ("Very", "Somewhat", "Not at all")),
    ("What is 2 + 2?", ("3", "4", "22", "<b>5</b>")),
    ("Which features should ship first?", ("Search", "Export", "Dark mode 🌙", "Offline \"sync\"")),
    ("Pick the capital of Australia", ("Sydney", "Canberra", "Melbourne")),
    ("Rate this session", ("⭐", "⭐⭐", "⭐⭐⭐", "⭐⭐⭐⭐", "⭐⭐⭐⭐⭐")),
    ("هل الخطة واضحة؟", ("نعم", "لا")),
    ("Which tools do you use? **pick all**", ("Jira", "GitHub", "C:\\tools", "[none](http://x)")),
)

QA_QUESTIONS = (
    "When will the recording be available?", "Is the new policy effective immediately?",
    "Can guests join the next session?", "Where can I find the budget numbers?",
    "Will this be in the release notes?", "How do I request access?", "What happens to the old API?",
)
QA_ANSWERS = (
    "Within the hour.", "Yes, from Monday.", "Good question, we'll follow up by email.", "See the wiki page.",
    "Not yet: next quarter.", "Ask your manager, then file a ticket.",
)
DISMISSED_TEXT = ("Thank you for your question. The information that you requested cannot be provided by any "
                  "of the hosts or cohosts.")
