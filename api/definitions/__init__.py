"""Process definition resource: deploy BPMN versions and read them back."""
