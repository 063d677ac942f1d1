// The seed's call-state pattern (seeds/twilio-sync-server-skill.md, "Call State Management"),
// written as the Twilio Function a user would deploy: one voice webhook that records the
// call's progress in Sync document `call-{CallSid}` and answers TwiML.
//
// It is deliberately the seed's naive read-merge-write: fetch the document, spread it,
// append the digit, update the whole value with no If-Match. Two webhooks for one call that
// overlap both read the same value and the later write drops the earlier digit. The
// benchmark counts exactly those lost updates; do not "fix" them here.
//
// `.protected.js` is the seed's advice for write endpoints: in Twilio's cloud the platform
// checks X-Twilio-Signature before the handler runs. twilio-run (the local runtime) does not
// check signatures at all, so under the benchmark this side does less work than callflow.

// Twilio's published code is 54301 (unique name exists) and 20404 (not found); the seed's
// table says 54302 and 54007. Accept both, as a user who met the real errors would.
const ALREADY_EXISTS = new Set([54301, 54302]);
const NOT_FOUND = new Set([20404, 54007]);

function syncService(context) {
  const client = context.getTwilioClient();
  // The only line that is not in the seed: point the official client's Sync domain at the
  // local emulator (TWILIO_SYNC_URL in .env) instead of https://sync.twilio.com.
  if (context.TWILIO_SYNC_URL) client.sync.baseUrl = context.TWILIO_SYNC_URL;
  return client.sync.v1.services(context.TWILIO_SYNC_SERVICE_SID || 'default');
}

function menu(twiml) {
  const gather = twiml.gather({
    input: 'dtmf speech',
    numDigits: 1,
    action: '/store-call-state',
    method: 'POST',
  });
  gather.say('Press 1 for sales, 2 for support.');
  return twiml;
}

// The seed's "Error Handling Pattern": create, and on "already exists" fetch the winner.
async function createOrFetch(service, name, data) {
  try {
    return await service.documents.create({ uniqueName: name, data, ttl: 3600 });
  } catch (error) {
    if (ALREADY_EXISTS.has(error.code)) {
      return service.documents(name).fetch();
    }
    throw error;
  }
}

function initialState() {
  return { stage: 'greeting', selections: [], startTime: new Date().toISOString() };
}

// Fetch, and on "not found" create it (the seed's fallback), so a gather that arrives
// first still has a document to merge into.
async function fetchOrCreate(service, name) {
  try {
    return await service.documents(name).fetch();
  } catch (error) {
    if (NOT_FOUND.has(error.code)) {
      return createOrFetch(service, name, initialState());
    }
    throw error;
  }
}

exports.handler = async (context, event, callback) => {
  try {
    const service = syncService(context);
    const name = `call-${event.CallSid}`;
    const twiml = new Twilio.twiml.VoiceResponse();

    if (event.CallStatus === 'completed') {
      // Status callback: record the end of the call, the same read-merge-write.
      const doc = await fetchOrCreate(service, name);
      await service.documents(name).update({
        data: {
          ...doc.data,
          status: 'completed',
          duration: event.CallDuration,
          endTime: new Date().toISOString(),
        },
      });
      return callback(null, twiml);
    }

    const input = event.Digits || event.SpeechResult;
    if (!input) {
      // Initial webhook: the seed's storeCallState.
      await createOrFetch(service, name, initialState());
      return callback(null, menu(twiml));
    }

    // A gather: the seed's getCallState (fetch, merge, update without If-Match).
    const doc = await fetchOrCreate(service, name);
    const callState = doc.data;
    await service.documents(name).update({
      data: {
        ...callState,
        stage: 'menu',
        selections: [...(callState.selections || []), input],
        updatedAt: new Date().toISOString(),
      },
    });
    twiml.say(`You pressed ${input}.`);
    return callback(null, menu(twiml));
  } catch (error) {
    return callback(error);
  }
};
