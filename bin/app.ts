#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { addDishpatchStage } from '../lib/dishpatch-app';

/** `cdk synth -c stage=<local|dev|staging|prod>`: one stage per synth, `dev` by default. */
const app = new App();
addDishpatchStage(app);
app.synth();
