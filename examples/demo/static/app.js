// The chat page: logs in (a session cookie), joins a room over WebSocket (/chat/<room>, subprotocol
// chat.v1), shows its history and live messages.
const ROOMS = ['lobby', 'random', 'dev'];
const $ = (id) => document.getElementById(id);
let socket = null;
let room = new URLSearchParams(location.search).get('room') || 'lobby';

function renderRooms() {
  $('rooms').replaceChildren(
    ...ROOMS.map((r) => {
      const a = document.createElement('a');
      a.href = `?room=${r}`;
      a.textContent = `#${r}`;
      if (r === room) a.className = 'current';
      a.onclick = (e) => {
        e.preventDefault();
        history.pushState(null, '', a.href);
        join(r);
      };
      return a;
    }),
  );
}

function addMessage({ name, text, at }) {
  const li = document.createElement('li');
  const who = document.createElement('b');
  who.textContent = name;
  const when = document.createElement('time');
  when.textContent = new Date(at).toLocaleTimeString();
  li.append(who, ' ', text, ' ', when);
  $('messages').append(li);
  li.scrollIntoView({ block: 'end' });
}

function setStatus(state, label) {
  $('status').dataset.state = state;
  $('status').textContent = label;
}

async function logIn() {
  const res = await fetch('/api/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: $('name').value }),
  });
  return (await res.json()).name;
}

async function join(next) {
  room = next;
  renderRooms();
  $('messages').replaceChildren();
  if (socket) socket.close(1000, 'switching rooms');
  socket = null;
  const me = await logIn(); // the handshake carries the session cookie; without it the server answers 401
  const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/chat/${room}`, [
    'chat.v1',
  ]);
  socket = ws;
  ws.onopen = () => {
    document.body.dataset.protocol = ws.protocol;
    setStatus('open', `connected to #${room} as ${me} (${ws.protocol})`);
  };
  ws.onclose = () => {
    if (socket === ws) setStatus('closed', 'disconnected');
  };
  ws.onmessage = (event) => {
    const msg = JSON.parse(event.data);
    if (msg.type === 'history') msg.messages.forEach(addMessage);
    else if (msg.type === 'message' && msg.room === room) addMessage(msg.message);
    else if (msg.type === 'presence') $('online').textContent = `${msg.online} online`;
    else if (msg.type === 'error') setStatus('error', msg.error);
  };
}

$('compose').onsubmit = (e) => {
  e.preventDefault();
  const text = $('text').value;
  if (!text.trim() || !socket || socket.readyState !== WebSocket.OPEN) return;
  socket.send(JSON.stringify({ text }));
  $('text').value = '';
};

join(room);
