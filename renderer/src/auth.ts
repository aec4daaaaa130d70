// A master that requires a bearer token: the page is opened with ?access_token=… (the desktop app
// does this itself), which is kept for the session and taken out of the address bar.
const KEY = 'captionhub.token';

function readToken(): string | null {
  const url = new URL(window.location.href);
  const given = url.searchParams.get('access_token');
  if (given) {
    sessionStorage.setItem(KEY, given);
    url.searchParams.delete('access_token');
    window.history.replaceState(null, '', url);
    return given;
  }
  return sessionStorage.getItem(KEY);
}

export const accessToken: string | null = readToken();

export function authHeaders(): Record<string, string> {
  return accessToken ? { Authorization: `Bearer ${accessToken}` } : {};
}
