-- nfvo: a resource keeps the options of whichever driver runs it (the sim's `simulate`
-- among them), and a task records how a waiting action is checked again

ALTER TABLE "resources" RENAME COLUMN "simulate" TO "driver_options";

-- checks of the current attempt while its action waits on the VIM; when the waiting began
ALTER TABLE "tasks" ADD COLUMN "checks" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "tasks" ADD COLUMN "waiting_since" TIMESTAMPTZ(3);
