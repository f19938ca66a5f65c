// The krozen.v1 real-time layer: app.realtime<Api>() endpoints over app.ws() (docs/realtime.md).
export { RealtimeEndpoint } from './endpoint';
export type { RealtimeHost, RealtimeRequestOptions } from './endpoint';
export { RealtimeHub } from './hub';
export type { RealtimeStats, RealtimeEndpointStats } from './hub';
export { RealtimeError } from './realtime-error';
export { assertRealtimeOptions } from './options';
export type { RealtimeOptions, RealtimeSocket, RecoveryOption } from './options';
export type * from './api-types';
