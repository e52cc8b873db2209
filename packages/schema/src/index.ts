export * from './ecs-types.ts';
export * from './ecs-leaves.ts';
export * from './ecs.ts';
export * from './alert.ts';
export * from './envelope.ts';
export * from './envelope-writer.ts';
export * from './event-id.ts';
export * from './topics.ts';
