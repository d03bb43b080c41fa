import * as cognito from 'aws-cdk-lib/aws-cognito';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import type { StageConfig } from '../config/stages';
import { ServiceFunction } from '../constructs/service-function';

/** Props of {@link ProfileConfirmation}. */
export interface ProfileConfirmationProps {
  readonly config: StageConfig;
  /** The pool whose confirmed sign-ups get a profile record. */
  readonly userPool: cognito.UserPool;
  /** The profile table (pk `userId`, sk `PROFILE` | `ADDRESS#<id>` | `FAVORITE#<restaurantId>`). */
  readonly profileTable: ITable;
}

/**
 * The Cognito post-confirmation trigger that creates a user's profile record. It lives in the stateful stack
 * beside the user pool on purpose: the pool's `LambdaConfig` names the function and the function names the
 * table, so a function in the stateless stack would make the two stacks depend on each other.
 */
export class ProfileConfirmation extends Construct {
  public readonly postConfirmation: ServiceFunction;

  constructor(scope: Construct, id: string, props: ProfileConfirmationProps) {
    super(scope, id);
    this.postConfirmation = new ServiceFunction(this, 'PostConfirmation', {
      entry: 'functions/profile/post-confirmation.ts',
      config: props.config,
      service: 'profile',
      description: 'Creates the profile record when a user confirms their sign-up',
    }).bindTable({ table: props.profileTable, access: 'readWrite', env: 'PROFILE_TABLE_NAME' });
    props.userPool.addTrigger(cognito.UserPoolOperation.POST_CONFIRMATION, this.postConfirmation);
  }
}
