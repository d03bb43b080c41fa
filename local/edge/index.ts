/** The edge endpoint: one HTTP server for every local AWS service. */

export { queryErrorXml, queryResponseXml, unflattenQuery, type XmlShape } from './query';
export { type Edge, type EdgeOptions, edgeHandler, matchPath, signingName, startEdge } from './server';
