// The sandboxed preload: hands the page its MessagePort to the engine and exposes the few
// native calls it may make. No logic here.
import { contextBridge, ipcRenderer } from 'electron';
import { ENGINE_PORT_CHANNEL, PICK_FOLDER_CHANNEL, type DesktopBridge } from '../../shared/host-protocol.js';

// A MessagePort can't cross contextBridge; window.postMessage can transfer it to the page.
ipcRenderer.on(ENGINE_PORT_CHANNEL, (event) => {
  window.postMessage(ENGINE_PORT_CHANNEL, window.location.origin === 'null' ? '*' : window.location.origin, event.ports);
});

const bridge: DesktopBridge = {
  pickFolder: () => ipcRenderer.invoke(PICK_FOLDER_CHANNEL) as Promise<string | null>,
};
contextBridge.exposeInMainWorld('loupeDesktop', bridge);
