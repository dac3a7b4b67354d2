/**
 * Broker configuration under Kafka's property names (server.properties style). The registry,
 * parsing and validation live in server/config/; this module is their front door.
 */
export { ConfigError } from './config/config-error.js';
export { type Endpoint } from './config/endpoints.js';
export { buildBrokerConfig, type BrokerConfig } from './config/broker-config.js';
export { parseOverride, readPropertiesFile } from './config/properties-file.js';
export { BROKER_PROPERTIES, BROKER_PROPERTY, type BrokerProperty } from './config/broker-properties.js';
