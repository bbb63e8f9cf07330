// One error module: a base class with a stable code, one subclass per kind of misuse or failure.
// Expected outcomes on the network (refused, 401, timeout) are data, not errors; these are for misuse.

export type ErrorCode =
  | 'KIA_USAGE'
  | 'KIA_INPUT'
  | 'KIA_CREDENTIAL'
  | 'KIA_LAB'
  | 'KIA_NETWORK'
  | 'KIA_TIMEOUT'
  | 'KIA_TOO_LARGE'
  | 'KIA_PEER'
  | 'KIA_TLS';

export class KiaError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Bad flag, argument or target: exit code 2. */
export class UsageError extends KiaError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('KIA_USAGE', message, options);
  }
}

/** A file or value given by the user that cannot be read or parsed: exit code 2. */
export class InputError extends KiaError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('KIA_INPUT', message, options);
  }
}

/** Credential material (certificate, key, token, kubeconfig) that cannot be used: exit code 2. */
export class CredentialError extends KiaError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('KIA_CREDENTIAL', message, options);
  }
}

/** The lab could not start, stop or be found. */
export class LabError extends KiaError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('KIA_LAB', message, options);
  }
}

export class NetworkError extends KiaError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('KIA_NETWORK', message, options);
  }
}

export class TimeoutError extends KiaError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('KIA_TIMEOUT', message, options);
  }
}

export class TooLargeError extends KiaError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('KIA_TOO_LARGE', message, options);
  }
}

/** The peer answered, but not with what was asked (a refusal, an error status, a redirect): its doing, exit 1. */
export class PeerError extends KiaError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('KIA_PEER', message, options);
  }
}
