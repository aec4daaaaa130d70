// How numbers and times read in the UI.
export const percent = (progress: number) => `${Math.floor(progress / 100)}%`;

export const fileName = (path: string) => path.split(/[\\/]/).pop() || path;

export function clock(iso: string | null): string {
  return iso ? new Date(iso).toLocaleTimeString() : '';
}
