// The seed's "User Presence" handler: one Sync map item per user in map `user-presence`,
// TTL 300 s. The seed only calls syncMapItems.create, which fails from the second beat on
// (the key exists); a user who ran it would add the seed's own error pattern, which is what
// this does: create, on "key exists" update; create the map on first use.
const KEY_EXISTS = new Set([54208]);
const NOT_FOUND = new Set([20404, 54009]);
const MAP = 'user-presence';

async function createMapIfMissing(service) {
  try {
    await service.syncMaps.create({ uniqueName: MAP });
  } catch (error) {
    if (error.code !== 54301 && error.code !== 54302) throw error;
  }
}

exports.handler = async (context, event, callback) => {
  const client = context.getTwilioClient();
  if (context.TWILIO_SYNC_URL) client.sync.baseUrl = context.TWILIO_SYNC_URL;
  const service = client.sync.v1.services(context.TWILIO_SYNC_SERVICE_SID || 'default');
  const { userId, status } = event;
  const data = {
    status: status || 'online',
    lastSeen: new Date().toISOString(),
    device: event.device || 'unknown',
  };
  try {
    try {
      await service.syncMaps(MAP).syncMapItems.create({ key: userId, data, ttl: 300 });
    } catch (error) {
      if (KEY_EXISTS.has(error.code)) {
        await service.syncMaps(MAP).syncMapItems(userId).update({ data, ttl: 300 });
      } else if (NOT_FOUND.has(error.code)) {
        await createMapIfMissing(service);
        await service.syncMaps(MAP).syncMapItems.create({ key: userId, data, ttl: 300 });
      } else {
        throw error;
      }
    }
    return callback(null, { success: true });
  } catch (error) {
    return callback(error);
  }
};
