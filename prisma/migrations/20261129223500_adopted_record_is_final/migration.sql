-- The record of an adoption is final: the call that adopted, the document's adopted revision,
-- and the answers and breaks of any closed call. The database refuses changes, whatever asks.

CREATE FUNCTION accord_refuse_adopted_call() RETURNS trigger AS $$
BEGIN
  IF OLD."status" = 'ADOPTED' THEN
    RAISE EXCEPTION 'The call adopted its revision: it cannot be changed' USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN COALESCE(NEW, OLD);
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER "ApprovalCall_adopted_is_final"
  BEFORE UPDATE OR DELETE ON "ApprovalCall"
  FOR EACH ROW EXECUTE FUNCTION accord_refuse_adopted_call();

CREATE FUNCTION accord_refuse_unadopting() RETURNS trigger AS $$
BEGIN
  IF OLD."adoptedRevisionId" IS NOT NULL AND NEW."adoptedRevisionId" IS DISTINCT FROM OLD."adoptedRevisionId" THEN
    RAISE EXCEPTION 'The document is adopted: its adopted revision cannot change' USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER "Document_adoption_is_final"
  BEFORE UPDATE ON "Document"
  FOR EACH ROW EXECUTE FUNCTION accord_refuse_unadopting();

-- Answers and breaks are written only while their call is open, and kept once it closed.
CREATE FUNCTION accord_refuse_closed_call_rows() RETURNS trigger AS $$
DECLARE
  call_id TEXT := CASE WHEN TG_OP = 'INSERT' THEN NEW."callId" ELSE OLD."callId" END;
BEGIN
  IF (SELECT "status" FROM "ApprovalCall" WHERE "id" = call_id) <> 'OPEN' THEN
    RAISE EXCEPTION 'The call is closed: its answers cannot be changed' USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN COALESCE(NEW, OLD);
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER "Approval_closed_is_final" ON "Approval";
CREATE TRIGGER "Approval_closed_is_final"
  BEFORE INSERT OR UPDATE OR DELETE ON "Approval"
  FOR EACH ROW EXECUTE FUNCTION accord_refuse_closed_call_rows();

CREATE TRIGGER "SilenceBreak_closed_is_final"
  BEFORE INSERT OR UPDATE OR DELETE ON "SilenceBreak"
  FOR EACH ROW EXECUTE FUNCTION accord_refuse_closed_call_rows();
