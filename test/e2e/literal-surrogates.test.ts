/**
 * A surrogate the gateway chose earlier may turn up in a later request as a literal of the
 * user's own (a Dockerfile's `WORKDIR /home/user`). Restoring the model's echo of it would write
 * the real home into the file: for that request the real value gets another surrogate, and the
 * literal comes back as it was.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { startAirlockStack, type AirlockStack } from '../helpers/airlock-stack.js';

const HOME = '/home/jsmith';

describe('a known surrogate as a literal in a later request', () => {
  let stack: AirlockStack;
  before(async () => {
    stack = await startAirlockStack({ script: { reply: [{ text: 'ok' }] } });
  });
  after(async () => {
    await stack.close();
  });

  it('is not restored to the original, and the original gets another surrogate there', async () => {
    const client = new Anthropic({ apiKey: 'sk-ant-test', baseURL: stack.via.anthropic, maxRetries: 0 });
    const first = [{ role: 'user' as const, content: `cat ${HOME}/.bashrc` }];
    await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 16, messages: first });
    const upstream = stack.sim.received.at(-1)?.body.toString() ?? '';
    const surrogate = /cat (\/home\/[^/"]+)\/\.bashrc/.exec(upstream)?.[1];
    assert.ok(surrogate && surrogate !== HOME, `the home went out as a surrogate: ${upstream}`);

    const dockerfile = `WORKDIR ${surrogate}\nCOPY . ${surrogate}/app`;
    stack.sim.setScript({
      reply: [
        { text: `The Dockerfile uses WORKDIR ${surrogate}.` },
        {
          toolCall: {
            name: 'Edit',
            args: {
              file_path: 'Dockerfile',
              old_string: `WORKDIR ${surrogate}`,
              new_string: `WORKDIR ${surrogate}\nUSER app`,
            },
          },
        },
      ],
    });
    const answer = await client.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 64,
      messages: [
        ...first,
        { role: 'assistant', content: 'ok' },
        { role: 'user', content: `Dockerfile:\n${dockerfile}\nAdd a USER line.` },
      ],
    });
    const sent = stack.sim.received.at(-1)?.body.toString() ?? '';
    assert.ok(!sent.includes('jsmith'), 'the real home stays here');
    const moved = /cat (\/home\/[^/"]+)\/\.bashrc/.exec(sent)?.[1];
    assert.ok(moved && moved !== surrogate, `the real home took another surrogate: ${moved}`);
    assert.ok(sent.includes(`WORKDIR ${surrogate}`), "the user's literal went as it was");

    const text = answer.content.find((b) => b.type === 'text');
    assert.equal(text?.type === 'text' ? text.text : '', `The Dockerfile uses WORKDIR ${surrogate}.`);
    const edit = answer.content.find((b) => b.type === 'tool_use');
    assert.deepEqual(edit?.type === 'tool_use' ? edit.input : undefined, {
      file_path: 'Dockerfile',
      old_string: `WORKDIR ${surrogate}`,
      new_string: `WORKDIR ${surrogate}\nUSER app`,
    });
  });
});
