// Browser kiosk for a tablet at the door: camera frames to POST /api/v1/kiosk/frames at the
// configured rate, one request in flight at a time (a slow server slows the kiosk instead of piling
// up requests), and the answer shown big. Frames that could not be delivered wait in a small queue
// and are replayed in order with their own id and capture time, so a short network drop loses nothing.
import { $, api, startPage, sleep, randomId } from '/assets/common.js';
import { t } from '/assets/i18n.js';

const QUEUE_MAX = 50;
const SHOW_MS = 4000;
const UNKNOWN_FRAMES = 3;

const queue = [];
let sent = 0;
let online = true;
let shownUntil = 0;
let unknownRun = 0;
let draining = false;

function show(kind, title, sub = '', hold = SHOW_MS) {
  const m = $('#message');
  m.className = `kiosk-message ${kind}`;
  $('#message-title').textContent = title;
  $('#message-sub').textContent = sub;
  shownUntil = hold ? Date.now() + hold : 0;
}

function idle(title = t('kiosk-pending'), sub = '') {
  if (Date.now() >= shownUntil) show('idle', title, sub, 0);
}

function status() {
  const net = $('#net');
  net.className = `live ${online ? 'on' : 'off'}`;
  net.textContent = t(online ? 'kiosk-online' : 'kiosk-offline');
  $('#stats').textContent = t('kiosk-stats', { sent, waiting: queue.length > 1 ? queue.length : 0 });
}

function answer(a, capturedMs) {
  // A frame replayed after an outage is recorded, but an old greeting would greet the wrong person.
  if (Date.now() - capturedMs > 3000) return;
  const faces = a.faces || [];
  const names = (list) => list.map((f) => f.delegate.full_name).join(', ');
  // At an exit: goodbyes, and a pointer to the entrance for anyone who never checked in.
  const leaving = faces.filter((f) => f.delegate && (f.status === 'checked_out' || f.status === 'already_checked_out'));
  if (leaving.length) {
    unknownRun = 0;
    show('welcome', t('kiosk-web-goodbye', { names: names(leaving) }), t('kiosk-web-goodbye-sub'));
    return;
  }
  const strangers = faces.filter((f) => f.delegate && f.status === 'not_checked_in');
  if (strangers.length) {
    unknownRun = 0;
    show('unknown', t('kiosk-web-not-checked-in', { names: names(strangers) }), t('kiosk-web-not-checked-in-sub'));
    return;
  }
  const back = faces.filter((f) => f.delegate && f.status === 'returned');
  if (back.length) {
    unknownRun = 0;
    show('welcome', t('kiosk-web-returned', { names: names(back) }), t('kiosk-web-returned-sub'));
    return;
  }
  const known = faces.filter((f) => f.delegate && (f.status === 'checked_in' || f.status === 'already_checked_in'));
  if (known.length) {
    unknownRun = 0;
    const delegations = [...new Set(known.map((f) => f.delegate.delegation))].join(', ');
    const again = known.every((f) => f.status === 'already_checked_in');
    show('welcome', t('kiosk-web-welcome', { names: names(known) }),
      t('kiosk-web-welcome-sub', { delegations, again: again ? 'yes' : 'no' }));
    return;
  }
  if (faces.some((f) => f.status === 'spoof_suspected')) {
    unknownRun = 0;
    show('unknown', t('kiosk-spoof-suspected'), t('kiosk-web-spoof-sub'));
    return;
  }
  if (faces.some((f) => f.status === 'pending')) {
    unknownRun = 0;
    if (Date.now() >= shownUntil) show('pending', t('kiosk-web-moment'), t('kiosk-web-moment-sub'), 1000);
    return;
  }
  if (faces.some((f) => f.status === 'unknown')) {
    unknownRun += 1;
    if (unknownRun >= UNKNOWN_FRAMES) {
      show('unknown', t('kiosk-web-unknown'), t('kiosk-web-unknown-sub'));
    }
    return;
  }
  unknownRun = 0;
  if (faces.some((f) => f.status === 'rejected')) idle(t('kiosk-web-closer'), t('kiosk-web-closer-sub'));
  else idle();
}

async function drain() {
  if (draining) return;
  draining = true;
  let backoff = 500;
  try {
    while (queue.length) {
      const f = queue[0];
      try {
        const a = await api('POST', `/kiosk/frames?kiosk_frame_id=${f.id}&captured_at=${encodeURIComponent(f.at)}`, f.blob);
        queue.shift();
        sent += 1;
        online = true;
        backoff = 500;
        answer(a, f.ms);
      } catch (e) {
        if (e.status === 0 || e.status >= 500) {
          // Unreachable or busy: keep the frame, wait, try again in order.
          online = e.status !== 0;
          status();
          if (e.status === 0) show('offline', t('kiosk-web-offline'), t('kiosk-web-offline-sub'), 0);
          await sleep(backoff);
          backoff = Math.min(backoff * 2, 8000);
          continue;
        }
        queue.shift();
        online = true;
        if (e.code === 'no_open_sitting') show('closed', t('kiosk-web-closed'), t('kiosk-web-closed-sub'), 1500);
      }
      status();
    }
  } finally {
    draining = false;
    status();
  }
}

function grab(video, canvas, width) {
  if (!video.videoWidth) return null;
  const scale = Math.min(1, width / video.videoWidth);
  canvas.width = Math.round(video.videoWidth * scale);
  canvas.height = Math.round(video.videoHeight * scale);
  canvas.getContext('2d').drawImage(video, 0, 0, canvas.width, canvas.height);
  return new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.85));
}

startPage({
  roles: ['kiosk'],
  intro: 'login-kiosk',
  start: async (session) => {
    const fps = Math.max(0.2, session.kiosk.fps || 5);
    $('#door').textContent = t('door-name', { door: session.direction === 'exit' ? 'exit' : 'entrance' });
    const width = session.kiosk.frame_width || 640;
    const video = $('#video');
    try {
      video.srcObject = await navigator.mediaDevices.getUserMedia({
        video: { width: { ideal: 1280 }, height: { ideal: 720 }, facingMode: 'user' },
        audio: false,
      });
    } catch (e) {
      show('offline', t('kiosk-web-no-camera'), t('kiosk-web-no-camera-sub', { error: e.message }), 0);
      return;
    }
    const canvas = document.createElement('canvas');
    /** Takes a frame into the queue with its own id and capture time; false if there was none. */
    const capture = async () => {
      const blob = await grab(video, canvas, width);
      if (!blob) return false;
      const now = new Date();
      queue.push({ id: randomId(), at: now.toISOString(), ms: now.getTime(), blob });
      return true;
    };
    status();
    for (;;) {
      const started = performance.now();
      // One frame in flight at most: while the queue is busy no new frame is taken.
      if (!draining && queue.length === 0) {
        if (await capture()) drain();
      } else if (!online && queue.length < QUEUE_MAX) {
        // Offline: keep capturing into the queue so nobody who walks past is lost.
        await capture();
      } else if (!online && queue.length >= QUEUE_MAX) {
        queue.splice(1, 1); // drop the oldest waiting frame, never the one being sent
      }
      status();
      await sleep(Math.max(0, 1000 / fps - (performance.now() - started)));
    }
  },
});
