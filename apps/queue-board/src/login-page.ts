/**
 * The login page and its script. The script posts the token as JSON (the board parses no
 * forms, so a cross-site form cannot post to it) and follows to the board when /login set
 * the cookie. Served as a file of its own so the page's CSP needs no inline script.
 */
export const LOGIN_PAGE = `<!doctype html><meta charset="utf-8"><title>Queue board</title>
<form id="login" style="font-family:system-ui;max-width:32rem;margin:4rem auto">
<h1>Orders queue</h1><p>An admin token opens the board (the operator page's, or POST /auth/dev-token with role admin).</p>
<input name="token" placeholder="admin token" autocomplete="off" style="width:100%;padding:.4rem" autofocus>
<button style="margin-top:.5rem;padding:.4rem 1rem">Open</button><p id="problem" role="alert"></p></form>
<script src="/login.js"></script>`;

export const LOGIN_SCRIPT = `document.getElementById('login').addEventListener('submit', async (event) => {
  event.preventDefault();
  const token = new FormData(event.target).get('token');
  const answer = await fetch('/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token }),
  });
  if (answer.ok) location.assign('/queues');
  else document.getElementById('problem').textContent = (await answer.json()).error.message;
});`;
