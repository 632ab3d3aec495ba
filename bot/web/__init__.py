"""The staff and ministry web console (issue 17): aiohttp with server-rendered Jinja2
templates on the same database as the bot, no front-end build step.

- app.py: the aiohttp Application (routes, the session middleware) and WebServer;
- context.py: what the pages use of the app (WebContext, under the Application's typed key);
- auth.py: one-time sign-in links, sessions, CSRF, who a signed-in person is (the chat's
  access rules: bot/appeals/access.py);
- queue.py, appeal.py, timeline.py: the pages; sla.py: the SLA state of an appeal;
- render.py: the Jinja2 environment; templates/, static/.
"""
