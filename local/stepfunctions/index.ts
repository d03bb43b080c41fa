/**
 * Local AWS Step Functions: an Amazon States Language interpreter (JSONPath and JSONata) behind the AWS
 * JSON 1.0 API. Generic: it runs whatever state machines the template or the API defines.
 */
import type { ServiceFactory } from '../core/types';
import { StepFunctionsService } from './service';

export { type Definition, Execution, type ExecutionStatus } from './engine/execution';
export { TokenRegistry } from './engine/tokens';
export { StatesError } from './errors';
export type { HistoryEvent } from './history';
export { cloudIntegrations, fakeIntegrations, type TaskIntegrations, type TaskRequest } from './integrations';
export { type RunOptions, type RunResult, runDefinition } from './run-definition';
export { type StepFunctionsOptions, StepFunctionsService } from './service';

/** The service factory the local cloud loads (service name `states`). */
export const createStepFunctionsService: ServiceFactory = (ctx, cloud) => new StepFunctionsService(ctx, cloud);
