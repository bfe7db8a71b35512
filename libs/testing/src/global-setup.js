// Integration tests run against the real local stack: say so clearly when it is not up.
const net = require('node:net');

function reachable(host, port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 2000 });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => { socket.destroy(); resolve(false); });
  });
}

module.exports = async () => {
  const kafka = (process.env.KAFKA_BROKERS || '127.0.0.1:19092').split(',')[0].split(':');
  const db = new URL(process.env.TEST_DATABASE_URL || 'postgres://duban:duban@127.0.0.1:15432/duban_test');
  const missing = [];
  if (!(await reachable(kafka[0], Number(kafka[1])))) missing.push(`Kafka at ${kafka.join(':')}`);
  if (!(await reachable(db.hostname, Number(db.port || 5432)))) missing.push(`PostgreSQL at ${db.host}`);
  if (missing.length > 0) {
    throw new Error(`integration tests need the local stack; not reachable: ${missing.join(', ')}. Run: npm run stack:up`);
  }
};
