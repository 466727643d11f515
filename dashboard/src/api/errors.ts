/** The master's error body `{error, message, problems?}` plus the request's trace id. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly traceId: string | null;
  readonly problems: unknown;

  constructor(opts: {
    status: number;
    code: string;
    message: string;
    traceId: string | null;
    problems?: unknown;
  }) {
    super(opts.message);
    this.name = 'ApiError';
    this.status = opts.status;
    this.code = opts.code;
    this.traceId = opts.traceId;
    this.problems = opts.problems;
  }
}

/** An ApiError from a non-2xx response; tolerant of bodies that are not the usual shape. */
export async function errorFrom(res: Response): Promise<ApiError> {
  let code = `http_${res.status}`;
  let message = res.statusText || `HTTP ${res.status}`;
  let problems: unknown;
  try {
    const body = (await res.json()) as { error?: unknown; message?: unknown; problems?: unknown };
    if (typeof body.error === 'string') code = body.error;
    if (typeof body.message === 'string') message = body.message;
    problems = body.problems;
  } catch {
    // not JSON: keep the status line
  }
  return new ApiError({
    status: res.status,
    code,
    message,
    traceId: res.headers.get('x-trace-id'),
    problems,
  });
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}
