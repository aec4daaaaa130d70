// The renderer talks to the master over HTTP and SignalR like any other client, so the preload
// exposes only what a page cannot know by itself.
import electron = require('electron');

const { contextBridge, webUtils } = electron;

contextBridge.exposeInMainWorld('captionhub', {
  platform: process.platform,
  desktop: true,
  // Dropped files: the renderer queues them by path, which only the desktop app can know.
  pathForFile: (file: File) => webUtils.getPathForFile(file),
});
