// Python's logging.handlers.HTTPHandler on the API port: GET or form-encoded POST of a LogRecord's
// dict to /api/python-logging, authenticated by the token only (`?token=` in the handler's url, or
// its `credentials=(name, token)` as Basic auth). The record goes into the same intake as
// SocketHandler's and DatagramHandler's (counted on the Python logging source when it listens);
// what is pending is written when the engine stops.
import { handler } from '../../api/handlers.js';
import type { Param } from '../../api/params.js';
import { BadRequestError } from '../../core/errors.js';
import type { EngineModule } from '../../core/module.js';
import { PYTHON_LOGGING_HTTP_PATH, type PythonLogIntake } from '../../ingest/python/python-logging-source.js';

/** An object whose values are all text (the form's fields). */
const textFields: Param<Record<string, string>> = {
  parse(value, name) {
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      throw new BadRequestError(`${name}: expected an object of fields.`);
    for (const [k, v] of Object.entries(value)) if (typeof v !== 'string') throw new BadRequestError(`${name}.${k}: expected text.`);
    return value as Record<string, string>;
  },
};

export function pythonLoggingModule(intake: PythonLogIntake): EngineModule {
  return {
    name: 'python-logging',
    handlers: {
      'pythonLogging.receive': handler({ record: textFields }, (p) => {
        try {
          intake.acceptForm(p.record);
        } catch (err) {
          throw new BadRequestError((err as Error).message);
        }
        return null;
      }),
    },
    routes: [
      {
        method: 'GET',
        path: PYTHON_LOGGING_HTTP_PATH,
        handler: 'pythonLogging.receive',
        auth: 'token',
        allFieldsAs: 'record',
        status: 204,
      },
      {
        method: 'POST',
        path: PYTHON_LOGGING_HTTP_PATH,
        handler: 'pythonLogging.receive',
        auth: 'token',
        body: 'form',
        allFieldsAs: 'record',
        status: 204,
      },
    ],
    stop: () => intake.batcher.flush(),
  };
}
