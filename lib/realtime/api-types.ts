// One type map for both ends of a krozen.v1 endpoint (docs/realtime.md): the server's app.realtime<Api>() and
// the client's connect<Api>() read the same map, so a topic, event or request misspelt or given the wrong data
// fails to compile on either side. Types only, no imports: the client bundle includes this file.

/** Data and result of one request. */
export interface RequestShape {
  data: unknown;
  result: unknown;
}

/**
 * The shape an endpoint's map must have; every part is optional.
 * - `topics`: topic → the data published on it.
 * - `requests`: client → server requests, event → { data, result }.
 * - `events`: client → server events, event → data.
 * - `serverEvents`: server → client events, event → data.
 * - `serverRequests`: server → client requests, event → { data, result }.
 */
export interface RealtimeApi {
  topics?: Record<string, unknown>;
  requests?: Record<string, RequestShape>;
  events?: Record<string, unknown>;
  serverEvents?: Record<string, unknown>;
  serverRequests?: Record<string, RequestShape>;
}

/** The map used when none is given: any name, any JSON value. */
export interface UntypedApi {
  topics: Record<string, unknown>;
  requests: Record<string, RequestShape>;
  events: Record<string, unknown>;
  serverEvents: Record<string, unknown>;
  serverRequests: Record<string, RequestShape>;
}

type Part<A, K extends keyof RealtimeApi> = A extends Record<K, infer P> ? P : Record<never, never>;
type Names<P> = Extract<keyof P, string>;

/** Topic names of `A`. */
export type TopicName<A> = Names<Part<A, 'topics'>>;
/** Data published on topic `T`. */
export type TopicData<A, T extends string> = T extends keyof Part<A, 'topics'> ? Part<A, 'topics'>[T] : never;

/** Client → server request names, data and results. */
export type RequestName<A> = Names<Part<A, 'requests'>>;
export type RequestData<A, E extends string> = E extends keyof Part<A, 'requests'>
  ? Part<A, 'requests'>[E] extends RequestShape
    ? Part<A, 'requests'>[E]['data']
    : never
  : never;
export type RequestResult<A, E extends string> = E extends keyof Part<A, 'requests'>
  ? Part<A, 'requests'>[E] extends RequestShape
    ? Part<A, 'requests'>[E]['result']
    : never
  : never;

/** Client → server event names and data. */
export type EventName<A> = Names<Part<A, 'events'>>;
export type EventData<A, E extends string> = E extends keyof Part<A, 'events'> ? Part<A, 'events'>[E] : never;

/** Server → client event names and data. */
export type ServerEventName<A> = Names<Part<A, 'serverEvents'>>;
export type ServerEventData<A, E extends string> = E extends keyof Part<A, 'serverEvents'>
  ? Part<A, 'serverEvents'>[E]
  : never;

/** Server → client request names, data and results. */
export type ServerRequestName<A> = Names<Part<A, 'serverRequests'>>;
export type ServerRequestData<A, E extends string> = E extends keyof Part<A, 'serverRequests'>
  ? Part<A, 'serverRequests'>[E] extends RequestShape
    ? Part<A, 'serverRequests'>[E]['data']
    : never
  : never;
export type ServerRequestResult<A, E extends string> = E extends keyof Part<A, 'serverRequests'>
  ? Part<A, 'serverRequests'>[E] extends RequestShape
    ? Part<A, 'serverRequests'>[E]['result']
    : never
  : never;

/** Error codes of `err` answers (docs/realtime-protocol.md). */
export type RealtimeErrorCode =
  'bad_request' | 'forbidden' | 'not_found' | 'invalid' | 'timeout' | 'limit' | 'internal' | 'closed';
