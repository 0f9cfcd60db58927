// Types of @switchboard-iot/interconnect, a drop-in for Vela's
// `@system.interconnect` backed by a Switchboard relay.

export interface FailData {
  /** Error message. */
  data: string
  /** Error code (1006, 204, 1009, 202 ...). */
  code: number
}

export interface CallbackObject<T> {
  success?: (data: T) => void
  /** Called as fail(data, code); data also carries data and code. */
  fail?: (data: FailData, code: number) => void
  complete?: () => void
}

export interface ReadyState {
  /** 1: connected, 2: disconnected. */
  status: 1 | 2
}

export interface DiagnosisResult {
  /** 0 OK, 204 CONNECT_TIMEOUT, 1001 APP_UNINSTALLED, 1000 OTHERS. */
  status: 0 | 204 | 1000 | 1001
  /** The relay's explanation (a Switchboard addition). */
  data?: string
}

export interface SendObject extends CallbackObject<void> {
  /** Sent as its JSON text; undefined sends {}. */
  data?: unknown
}

export interface DiagnosisObject extends CallbackObject<DiagnosisResult> {
  /** Milliseconds to wait for the phone app; default 10000. */
  timeout?: number
}

export interface MessageEvent { data: string }
export interface OpenEvent { isReconnected: boolean }
export interface CloseEvent {
  /** 1000 phone app quit, 1001 phone app replaced or this session ended for good, 1006 link lost. */
  code: number
  data: string
  /** Switchboard: set when the relay ended this session for good (see ErrorEvent). */
  relayCode?: RelayCloseCode
}
export interface ErrorEvent {
  /** 1000 others (also: the relay ended this session for good), 1001 phone app not installed, 1006 link lost. */
  code: number
  data: string
  /**
   * Switchboard: the relay's close code when it ended this session for good;
   * the SDK then stops reconnecting and this onerror (code 1000) comes once.
   * 4409: a newer session of the same watch app (same watch, package) replaced it.
   */
  relayCode?: RelayCloseCode
}

/**
 * The relay's final close codes (4400-4499): 4400 bad hello, 4401 bad or
 * revoked credentials, 4403 forbidden (watch not bound, device disabled,
 * wrong proof), 4408 no hello in time, 4409 replaced by a newer session.
 */
export type RelayCloseCode = 4400 | 4401 | 4403 | 4408 | 4409 | number

export interface Connect {
  getReadyState (obj?: CallbackObject<ReadyState>): void
  diagnosis (obj?: DiagnosisObject): void
  send (obj?: SendObject): void
  onmessage: ((data: MessageEvent) => void) | null
  onopen: ((data: OpenEvent) => void) | null
  /** Accepted when onopen is not set (the English document's example). */
  onOpen?: ((data: OpenEvent) => void) | null
  onclose: ((data: CloseEvent) => void) | null
  onerror: ((data: ErrorEvent) => void) | null
  /** Switchboard: the largest message in UTF-8 bytes (from the relay). */
  readonly maxMessageBytes: number
  /** Switchboard: SHA-1 fingerprint the relay computed, "0B:82:...". */
  readonly fingerprint?: string
  /** Switchboard: stop for good (tests, Node tools). */
  close (): void
}

export interface Config {
  /** ws(s)://host/ws/interconnect/v1 */
  url: string
  /** The watch's device id and passcode. */
  did: string
  passcode: string
  /** The quick app's package (manifest.json "package"). */
  package: string
  /** certificate.pem text, or base64 of the DER certificate. */
  certificate: string
  /** Only when the watch is bound to several users. */
  userId?: string
  /** Node: private.pem text, to prove possession of the certificate's key. */
  privateKey?: string
  /** Browsers: signs the given bytes with the certificate's key. */
  sign?: (message: Uint8Array) => Promise<Uint8Array | ArrayBuffer>
  /** A WebSocket constructor (default: globalThis.WebSocket, then "ws"). */
  WebSocket?: unknown
  minReconnectDelay?: number
  maxReconnectDelay?: number
  /** How long send waits for the relay's answer before 204 (ms). */
  sendTimeout?: number
}

export declare const codes: Readonly<{
  STATUS_CONNECTED: 1
  STATUS_DISCONNECTED: 2
  OK: 0
  SYSTEM_ERROR: 200
  BAD_PARAMS: 202
  CONNECT_TIMEOUT: 204
  DUPLICATE: 205
  OTHERS: 1000
  APP_UNINSTALLED: 1001
  DISCONNECTED: 1006
  MESSAGE_TOO_LARGE: 1009
}>

export declare function configure (config: Config): void
export declare function instance (): Connect
export declare function createConnection (config: Config): Connect

declare const interconnect: {
  configure: typeof configure
  instance: typeof instance
  createConnection: typeof createConnection
  codes: typeof codes
}
export default interconnect
