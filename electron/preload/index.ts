// The sandboxed preload: hands the page its MessagePort to the engine and exposes the few
// native calls it may make. No logic here.
import { contextBridge, ipcRenderer } from 'electron';

// A MessagePort can't cross contextBridge; window.postMessage can transfer it to the page.
ipcRenderer.on('loupe:engine-port', (event) => {
  window.postMessage('loupe:engine-port', window.location.origin === 'null' ? '*' : window.location.origin, event.ports);
});

contextBridge.exposeInMainWorld('loupeDesktop', {
  pickFolder: (): Promise<string | null> => ipcRenderer.invoke('loupe:pick', 'folder'),
  pickFile: (): Promise<string | null> => ipcRenderer.invoke('loupe:pick', 'file'),
});
