// The sandboxed preload: exposes nothing yet. The renderer talks to the engine over the same
// HTTP/WebSocket API as in a browser; native calls (folder dialogs, notifications) come here.
export {};
