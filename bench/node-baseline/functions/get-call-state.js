// Read side of the seed's call-state pattern: the document `call-{CallSid}` as JSON.
// twilio-run passes no request headers to the handler, so the bearer check that callflow's
// get-call-state does cannot be written here; in Twilio's cloud this would be a
// `.protected.js` function or check a token in the event.
const NOT_FOUND = new Set([20404, 54007]);

exports.handler = async (context, event, callback) => {
  const client = context.getTwilioClient();
  if (context.TWILIO_SYNC_URL) client.sync.baseUrl = context.TWILIO_SYNC_URL;
  const service = client.sync.v1.services(context.TWILIO_SYNC_SERVICE_SID || 'default');
  try {
    const doc = await service.documents(`call-${event.CallSid}`).fetch();
    return callback(null, doc.data);
  } catch (error) {
    if (NOT_FOUND.has(error.code)) {
      const response = new Twilio.Response();
      response.setStatusCode(404);
      response.setBody({ code: 20404, message: 'call not found' });
      return callback(null, response);
    }
    return callback(error);
  }
};
