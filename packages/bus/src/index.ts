export * from './bus.ts';
export { sendToDlq } from './dlq.ts';
export { EmbeddedBus, createEmbeddedBus, type EmbeddedBusDeps } from './embedded/embedded-bus.ts';
export { embeddedBusConfigSchema, type EmbeddedBusConfig, type EmbeddedBusConfigInput } from './embedded/config.ts';
export { busErrors, type BusErrorCode } from './errors.ts';
export { KafkaBus, createKafkaBus, type KafkaBusDeps } from './kafka/kafka-bus.ts';
export { registerZstd } from './kafka/compression.ts';
export { kafkaBusConfigSchema, type KafkaBusConfig, type KafkaBusConfigInput } from './kafka/config.ts';
export { murmur2, partitionForKey } from './partitioner.ts';
