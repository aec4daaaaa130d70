import { Menu, Tray, nativeImage } from 'electron';

export interface TrayActions {
  open(): void;
  quit(): void;
  /** Whether dispatch is paused now, and the switch for it. */
  paused(): boolean;
  setPaused(paused: boolean): void;
}

/** The tray icon that keeps CaptionHub working with every window closed. */
export function createTray(iconPath: string, actions: TrayActions): Tray {
  const tray = new Tray(nativeImage.createFromPath(iconPath));
  tray.setToolTip('CaptionHub');
  const rebuild = () =>
    tray.setContextMenu(
      Menu.buildFromTemplate([
        { label: 'Open CaptionHub', click: actions.open },
        {
          label: 'Pause the queue',
          type: 'checkbox',
          checked: actions.paused(),
          click: (item) => {
            actions.setPaused(item.checked);
            rebuild();
          },
        },
        { type: 'separator' },
        { label: 'Quit', click: actions.quit },
      ]),
    );
  rebuild();
  tray.on('click', actions.open);
  return tray;
}
