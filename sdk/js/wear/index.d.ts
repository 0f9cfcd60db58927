// Types of @switchboard-iot/wear: the Xiaomi Wear third-party SDK's shape
// over a Switchboard interconnect relay.

export declare const Status: Readonly<{
  RESULT_SUCCESS: 0
  RESULT_CANCELLED: -1
  RESULT_TIMEOUT: -2
  RESULT_INTERRUPTED: -3
  RESULT_DISCONNECTED: -4
  RESULT_PACKAGE_NOT_INSTALLED: -5
  RESULT_SIGNATURE_VERIFY_FAILED: -6
  RESULT_PERMISSION_DENIED: -7
  RESULT_APP_NOT_INSTALLED: -8
  /** Switchboard: the message exceeds the relay's limit (16384 bytes). */
  RESULT_MESSAGE_TOO_LARGE: -9
}>

export type PermissionName = 'data_manager' | 'notify'
export declare const Permission: Readonly<{ DEVICE_MANAGER: 'data_manager'; NOTIFY: 'notify' }>
export declare const DataItem: Readonly<{ ITEM_CONNECTION: 1; ITEM_CHARGING: 2; ITEM_SLEEP: 3; ITEM_WEARING: 4; ITEM_BATTERY: 5 }>

export declare class WearableException extends Error {
  readonly code: number
  /**
   * Switchboard: the relay's close code when it ended the context for good
   * (no reconnecting): 4409 replaced by a newer session of the same app
   * (code RESULT_CANCELLED); 4400, 4401 (bad or revoked token), 4403, 4408
   * (code RESULT_APP_NOT_INSTALLED).
   */
  readonly relayCode?: number
  getCode (): number
}
export declare class DeviceDisconnectedException extends WearableException {}
export declare class AppNotInstalledException extends WearableException {}
export declare class SignatureVerifyFailedException extends WearableException {}
export declare class PermissionDeniedException extends WearableException {}
export declare class MessageTooLargeException extends WearableException {}

/** The SDK's Task<T>; also a PromiseLike<T>. */
export declare class Task<T> implements PromiseLike<T> {
  then<A = T, B = never> (onfulfilled?: ((value: T) => A | PromiseLike<A>) | null, onrejected?: ((reason: any) => B | PromiseLike<B>) | null): Promise<A | B>
  catch<B = never> (onrejected?: ((reason: any) => B | PromiseLike<B>) | null): Promise<T | B>
  addOnSuccessListener (fn: (value: T) => void): this
  addOnFailureListener (fn: (error: Error) => void): this
  addOnCompleteListener (fn: (task: Task<T>) => void): this
  isComplete (): boolean
  isSuccessful (): boolean
  getResult (): T
  getException (): Error | null
}

export interface Node { id: string; name: string }

export type MessageListener =
  | ((nodeId: string, message: Uint8Array) => void)
  | { onMessageReceived (nodeId: string, message: Uint8Array): void }

export interface ConnectionResult { connectedStatus: 1 | 2; getConnectedStatus (): 1 | 2 }
export type DataChangedListener =
  | ((nodeId: string, item: number, result: ConnectionResult) => void)
  | { onDataChanged (nodeId: string, item: number, result: ConnectionResult): void }

export interface ServiceConnectionListener {
  onServiceConnected? (): void
  /**
   * The link to the relay dropped (the SDK reconnects), or, with `reason`
   * (a Switchboard addition), the relay ended the context for good: called
   * once, nothing reconnects, every later call fails with that code.
   */
  onServiceDisconnected? (reason?: WearableException): void
}

export interface ContextConfig {
  /** ws(s)://host/ws/interconnect/v1 */
  url: string
  /** A Switchboard (Gizwits-compatible) app id and that app's user token. */
  appId: string
  token: string
  /** The Android package, equal to the quick app's. */
  package: string
  /** certificate.pem text, or base64 DER: the APK signing certificate. */
  certificate: string
  /** Node: private.pem text, for the proof of possession. */
  privateKey?: string
  sign?: (message: Uint8Array) => Promise<Uint8Array | ArrayBuffer>
  WebSocket?: unknown
  minReconnectDelay?: number
  maxReconnectDelay?: number
  /** Per call, in ms, before RESULT_TIMEOUT (default 15000). */
  requestTimeout?: number
}

export interface Context {
  readonly fingerprint?: string
  readonly userId?: string
  /** End the connection; pending Tasks fail with RESULT_CANCELLED. */
  close (): void
}

export interface NodeApi {
  getConnectedNodes (): Task<Node[]>
  isWearAppInstalled (nodeId: string): Task<boolean>
  /** Not supported by the relay: fails with RESULT_CANCELLED. */
  launchWearApp (nodeId: string, uri: string): Task<void>
  /** Only DataItem.ITEM_CONNECTION. */
  subscribe (nodeId: string, item: number, listener: DataChangedListener): Task<void>
  unsubscribe (nodeId: string, item: number): Task<void>
}

export interface AuthApi {
  checkPermission (nodeId: string, permission: PermissionName): Task<boolean>
  checkPermissions (nodeId: string, permissions: PermissionName[]): Task<boolean[]>
  requestPermission (nodeId: string, ...permissions: PermissionName[]): Task<PermissionName[]>
}

export interface MessageApi {
  sendMessage (nodeId: string, message: Uint8Array | string): Task<void>
  addListener (nodeId: string, listener: MessageListener): Task<void>
  removeListener (nodeId: string): Task<void>
}

export interface ServiceApi {
  getServiceApiLevel (): Task<number>
  registerServiceConnectionListener (listener: ServiceConnectionListener): void
  unregisterServiceConnectionListener (listener: ServiceConnectionListener): void
}

export declare const Wearable: Readonly<{
  createContext (config: ContextConfig): Context
  getNodeApi (ctx: Context): NodeApi
  getAuthApi (ctx: Context): AuthApi
  getMessageApi (ctx: Context): MessageApi
  getServiceApi (ctx: Context): ServiceApi
}>
