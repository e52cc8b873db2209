/**
 * The web app's client for Vigil's REST API. The session token lives in sessionStorage (gone
 * when the tab closes, never in localStorage) and goes out as a bearer token; the API sets no
 * cookies, so there is nothing for another site to ride on (no CSRF).
 */

const TOKEN_KEY = 'vigil.token';

/** An error the API answered with: its HTTP status, code and message. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** Called when the API says the session is over (401), so the app can show the login page. */
let onSessionEnded: (message: string) => void = () => undefined;

export function whenSessionEnds(listener: (message: string) => void): void {
  onSessionEnded = listener;
}

export const session = {
  token: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  start: (token: string): void => sessionStorage.setItem(TOKEN_KEY, token),
  end: (): void => sessionStorage.removeItem(TOKEN_KEY),
};

/** Calls the API; resolves with the JSON body (undefined for 204), rejects with an ApiError. */
export async function api<T>(path: string, options: { method?: string; body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
  const response = await request(path, 'application/json', options);
  if (response.status === 204) return undefined as T;
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) throw failed(path, response.status, body);
  return body as T;
}

/** Opens a streamed answer (Server-Sent Events) with the session's token; rejects with an ApiError when it is refused. */
export async function openStream(path: string, signal: AbortSignal): Promise<ReadableStream<Uint8Array>> {
  const response = await request(path, 'text/event-stream', { signal });
  if (!response.ok || !response.body) throw failed(path, response.status, await response.json().catch(() => undefined));
  return response.body;
}

/** Fetches an attachment the API writes (an export) and hands it to the browser as a download. */
export async function downloadFile(path: string, fileName: string): Promise<void> {
  const response = await request(path, '*/*', {});
  if (!response.ok) throw failed(path, response.status, await response.json().catch(() => undefined));
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.click();
  URL.revokeObjectURL(url);
}

async function request(path: string, accept: string, options: { method?: string; body?: unknown; signal?: AbortSignal }): Promise<Response> {
  const headers: Record<string, string> = { accept };
  const token = session.token();
  if (token) headers.authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  return fetch(path, {
    method: options.method ?? 'GET',
    headers,
    body: options.body === undefined ? null : JSON.stringify(options.body),
    signal: options.signal ?? null,
  });
}

/** The error of a refused request; a 401 (other than a failed login) also ends the session. */
function failed(path: string, status: number, body: unknown): ApiError {
  if (status === 401 && path !== '/api/v1/auth/login') {
    session.end();
    onSessionEnded('Your session has ended; sign in again.');
  }
  return errorOf(status, body);
}

function errorOf(status: number, body: unknown): ApiError {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  if (error && typeof error.code === 'string' && typeof error.message === 'string') return new ApiError(status, error.code, error.message);
  return new ApiError(status, 'VIGIL_ERR_UI_BAD_RESPONSE', `unexpected answer (HTTP ${status})`);
}

/** A query string from the parameters that are set. */
export function query(params: Readonly<Record<string, string | number | undefined | null>>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') search.set(name, String(value));
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
