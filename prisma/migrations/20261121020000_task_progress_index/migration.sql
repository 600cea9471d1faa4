-- nfvo: the event stream follows the progress of running tasks
CREATE INDEX "tasks_started_updated_at_idx" ON "tasks"("updated_at") WHERE "state" = 'STARTED';
