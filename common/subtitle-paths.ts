import { posix, win32 } from 'node:path';

/**
 * Where subtitles go when nobody says: next to the video, `<name>.srt`, and `<name>.<target>.srt`
 * when a translation is asked for. Paths keep the video's own style (POSIX or Windows), since the
 * worker that writes them may run on either.
 */
export function defaultSubtitlePaths(videoPath: string, targetLanguage?: string | null): { raw: string; translated: string | null } {
  const path = videoPath.includes('\\') || /^[a-zA-Z]:/.test(videoPath) ? win32 : posix;
  const base = path.join(path.dirname(videoPath), path.parse(videoPath).name);
  return { raw: `${base}.srt`, translated: targetLanguage ? `${base}.${targetLanguage}.srt` : null };
}

/** Workers resolve paths on their own disks: only absolute ones mean the same everywhere. */
export function isAbsolutePath(path: string): boolean {
  return posix.isAbsolute(path) || win32.isAbsolute(path);
}
